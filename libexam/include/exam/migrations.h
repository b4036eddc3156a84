// Schema migrations: the numbered SQL files under libexam/sql, compiled into
// the library and applied in order by `examctl admin migrate`.
#pragma once

#include <string>
#include <vector>

#include "exam/database.h"
#include "exam/error.h"

namespace exam {

struct MigrationReport {
  std::vector<std::string> applied;  // file names applied by this call, in order
  std::vector<std::string> already;  // file names applied earlier
};

// Applies every migration not yet recorded in schema_migrations, each in its
// own transaction together with its record. Holds an advisory lock, so two
// concurrent calls apply each migration once. REQUIRES: `owner_db` connects
// as the role that owns the schema.
Result<MigrationReport> ApplyMigrations(Database& owner_db);

// Names of the migrations compiled in, in order.
std::vector<std::string> KnownMigrations();

}  // namespace exam
