#include "exam/migrations.h"

#include <fmt/format.h>

#include <pqxx/pqxx>

#include "migration_list.h"

namespace exam {
namespace {

constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  file_name   text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
))sql";

// Arbitrary constant that names the migration lock among advisory locks.
constexpr long long kMigrationLockKey = 7283190031;

int VersionOf(const std::string& file_name) { return std::stoi(file_name.substr(0, 3)); }

}  // namespace

std::vector<std::string> KnownMigrations() {
  std::vector<std::string> names;
  for (const EmbeddedMigration& migration : EmbeddedMigrations()) {
    names.push_back(migration.file_name);
  }
  return names;
}

Result<MigrationReport> ApplyMigrations(Database& owner_db) {
  MigrationReport report;

  Status status = owner_db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    txn.exec(kCreateMigrationsTable);
    return {};
  });
  if (!status) {
    return status.error();
  }

  for (const EmbeddedMigration& migration : EmbeddedMigrations()) {
    const int version = VersionOf(migration.file_name);
    bool applied_now = false;
    status = owner_db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
      txn.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
      const pqxx::result done =
          txn.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", version);
      if (!done.empty()) {
        return {};
      }
      try {
        txn.exec(migration.sql);
      } catch (const pqxx::sql_error& error) {
        std::string message = error.what();
        message = message.substr(0, message.find('\n'));
        std::string hint;
        if (message.find("role \"exam_app\" does not exist") != std::string::npos) {
          hint = "; create the roles first (scripts/local-pg does; docs/install.md shows the SQL)";
        }
        return Internal(fmt::format("migration {} failed: {}{}", migration.file_name, message, hint));
      }
      txn.exec_params("INSERT INTO schema_migrations (version, file_name) VALUES ($1, $2)", version,
                      migration.file_name);
      applied_now = true;
      return {};
    });
    if (!status) {
      return status.error();
    }
    (applied_now ? report.applied : report.already).push_back(migration.file_name);
  }
  return report;
}

}  // namespace exam
