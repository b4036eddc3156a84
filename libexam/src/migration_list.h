// The SQL migrations compiled into libexam, in the order they apply.
#pragma once

#include <string>
#include <vector>

namespace exam {

struct EmbeddedMigration {
  std::string file_name;  // "001_initial.sql"
  std::string sql;
};

const std::vector<EmbeddedMigration>& EmbeddedMigrations();

}  // namespace exam
