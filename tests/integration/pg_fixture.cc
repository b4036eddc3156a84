#include "pg_fixture.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>
#include <unistd.h>

#include "exam/crypto.h"
#include "exam/migrations.h"

namespace exam::testing {
namespace {

std::string RequireEnv(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) {
    FAIL(fmt::format("{} is not set; run scripts/test, which starts a private PostgreSQL and "
                     "sets it",
                     name));
  }
  return value;
}

// Replaces the database name at the end of a postgresql:// URL.
std::string WithDatabase(const std::string& url, const std::string& database) {
  const auto slash = url.rfind('/');
  const auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + database +
         (query == std::string::npos ? std::string() : url.substr(query));
}

std::unique_ptr<Database> OpenOrFail(const std::string& url) {
  DatabaseOptions options;
  options.url = url;
  options.pool_size = 4;
  auto database = Database::Open(options, NullLogSink());
  if (!database) {
    FAIL(database.error().message);
  }
  return std::move(*database);
}

}  // namespace

ScratchDatabase::ScratchDatabase() {
  REQUIRE(InitCrypto());
  static std::atomic<int> counter{0};
  name_ = fmt::format("scratch_{}_{}", getpid(), counter++);
  superuser_url_ = RequireEnv("EXAM_PG_SUPERUSER_URL");
  {
    pqxx::connection connection(superuser_url_);
    pqxx::nontransaction txn(connection);
    txn.exec(fmt::format("DROP DATABASE IF EXISTS {}", name_));
    txn.exec(fmt::format("CREATE DATABASE {} OWNER exam_owner", name_));
    txn.exec(fmt::format("GRANT CONNECT ON DATABASE {} TO exam_app", name_));
  }
  owner_ = OpenOrFail(WithDatabase(RequireEnv("EXAM_ADMIN_DATABASE_URL"), name_));
  auto report = ApplyMigrations(*owner_);
  if (!report) {
    FAIL(report.error().message);
  }
  app_ = OpenOrFail(WithDatabase(RequireEnv("EXAM_DATABASE_URL"), name_));
}

ScratchDatabase::~ScratchDatabase() {
  owner_.reset();
  app_.reset();
  try {
    pqxx::connection connection(superuser_url_);
    pqxx::nontransaction txn(connection);
    txn.exec(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name_));
  } catch (const std::exception&) {
    // A leftover scratch database is removed with the test cluster.
  }
}

std::string ScratchDatabase::SuperuserUrl() const { return WithDatabase(superuser_url_, name_); }

std::string ScratchDatabase::AppUrl() const {
  return WithDatabase(RequireEnv("EXAM_DATABASE_URL"), name_);
}

void ScratchDatabase::ExecAsSuperuser(const std::string& sql) {
  pqxx::connection connection(WithDatabase(superuser_url_, name_));
  pqxx::work txn(connection);
  txn.exec(sql);
  txn.commit();
}

TestOrganization MakeOrganization(ScratchDatabase& db, const std::string& slug) {
  auto organization = CreateOrganization(db.owner(), slug, "Test " + slug, false);
  REQUIRE(organization.ok());
  auto user = CreateStaffUser(db.owner(), slug, "instructor@" + slug + ".example.edu",
                              StaffRole::kInstructor, "Instructor", std::nullopt, false);
  REQUIRE(user.ok());
  TestOrganization result;
  result.id = organization->id;
  result.instructor = {organization->id, user->id, StaffRole::kInstructor, 0};
  return result;
}

ExamSpec MakeExamSpec(const std::string& slug) {
  ExamSpec spec;
  spec.title = "Test exam " + slug;
  spec.slug = slug;
  spec.language = "python";
  spec.duration_minutes = 60;
  spec.questions = {
      {"q1", "First", "# First\n", "def f():\n    pass\n", "def test_f():\n    assert f()\n"},
      {"q2", "Second", "# Second\n", "", ""},
  };
  return spec;
}

SigningKey MakeSigningKey() {
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("exam-test-key-{}-{}", getpid(), NewSecret("").substr(0, 8));
  auto key = SigningKey::LoadOrCreate(path);
  REQUIRE(key.ok());
  std::filesystem::remove(path);
  return *key;
}

}  // namespace exam::testing
