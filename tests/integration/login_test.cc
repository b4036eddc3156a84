// Staff sign-in and login sessions against a real PostgreSQL. The tests cover
// password hashing parameters, the same failure for unknown email and wrong
// password, and the per-account failure limit. They also cover idle and
// absolute expiry on a fake clock, sign-out, rotation, and what is stored of
// a session secret.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sodium.h>

#include <cstring>
#include <mutex>
#include <pqxx/pqxx>
#include <regex>

#include "exam/admin.h"
#include "exam/crypto.h"
#include "exam/login.h"
#include "pg_fixture.h"

using exam::testing::ScratchDatabase;

namespace {

constexpr exam::UnixMillis kStart = 1798790400000;  // 2027-01-01T09:00:00Z
constexpr std::int64_t kMinute = 60 * 1000;
constexpr const char* kPassword = "correct horse battery";

// A sink that keeps every line, for checks on what was logged.
class RecordingSink final : public exam::LogSink {
 public:
  void Write(exam::LogLevel level, std::string_view message,
             const std::vector<exam::LogField>& fields) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back({level, std::string(message), fields});
  }
  int CountContaining(std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex_);
    int count = 0;
    for (const Line& line : lines_) {
      count += line.message.find(text) != std::string::npos ? 1 : 0;
    }
    return count;
  }

 private:
  struct Line {
    exam::LogLevel level;
    std::string message;
    std::vector<exam::LogField> fields;
  };
  std::mutex mutex_;
  std::vector<Line> lines_;
};

exam::StaffUser MakeStaff(ScratchDatabase& db, const std::string& org_slug,
                          const std::string& email, exam::StaffRole role = exam::StaffRole::kInstructor) {
  REQUIRE(exam::CreateOrganization(db.owner(), org_slug, "Test " + org_slug, true).ok());
  auto user = exam::CreateStaffUser(db.owner(), org_slug, email, role, "Staff member",
                                    std::string(kPassword), false);
  if (!user.ok()) {
    INFO(user.error().message);
  }
  REQUIRE(user.ok());
  return *user;
}

exam::LoginRequest Request(const std::string& email, const std::string& password) {
  exam::LoginRequest request;
  request.email = email;
  request.password = password;
  request.user_agent = "login_test";
  return request;
}

exam::LoginSuccess LoginOk(ScratchDatabase& db, const exam::LoginRequest& request,
                           const exam::Clock& clock, const exam::LoginPolicy& policy = {}) {
  auto outcome = exam::Login(db.app(), request, policy, clock, exam::NullLogSink());
  if (!outcome.ok()) {
    INFO(outcome.error().message);
  }
  REQUIRE(outcome.ok());
  REQUIRE(outcome->success.has_value());
  return *outcome->success;
}

std::string StoredPasswordHash(ScratchDatabase& db, const exam::StaffUser& user) {
  std::string hash;
  REQUIRE(db.owner()
              .WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
                hash = txn.exec_params1("SELECT password_hash FROM staff_users "
                                        "WHERE org_id = $1 AND id = $2",
                                        user.org_id, user.id)[0]
                           .as<std::string>();
                return {};
              })
              .ok());
  return hash;
}

int CountAudit(ScratchDatabase& db, exam::OrgId org, const std::string& action) {
  int count = -1;
  REQUIRE(db.owner()
              .WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
                count = txn.exec_params1("SELECT count(*) FROM audit_log "
                                         "WHERE org_id = $1 AND action = $2",
                                         org, action)[0]
                            .as<int>();
                return {};
              })
              .ok());
  return count;
}

struct Argon2Parameters {
  long memory_kib = 0;
  long passes = 0;
  long lanes = 0;
};

Argon2Parameters ParseArgon2id(const std::string& hash) {
  static const std::regex pattern(R"(^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$.+)");
  std::smatch match;
  INFO("hash: " << hash.substr(0, 40));
  REQUIRE(std::regex_match(hash, match, pattern));
  return {std::stol(match[1]), std::stol(match[2]), std::stol(match[3])};
}

}  // namespace

TEST_CASE("stored password hash is argon2id with enough memory") {
  ScratchDatabase db;
  const exam::StaffUser user = MakeStaff(db, "org-one", "ada@example.edu");

  const Argon2Parameters parameters = ParseArgon2id(StoredPasswordHash(db, user));
  CHECK(parameters.memory_kib >= 19456);
  CHECK(parameters.passes >= 2);
  CHECK(parameters.lanes >= 1);
}

TEST_CASE("new password length and common passwords are checked") {
  CHECK_FALSE(exam::CheckNewPassword("short").ok());
  CHECK_FALSE(exam::CheckNewPassword(std::string(129, 'x')).ok());
  CHECK_FALSE(exam::CheckNewPassword("password1234").ok());
  CHECK_FALSE(exam::CheckNewPassword("Password1234").ok());
  CHECK_FALSE(exam::CheckNewPassword("123456789012").ok());
  CHECK_FALSE(exam::CheckNewPassword("qwertyuiop12").ok());
  CHECK(exam::CheckNewPassword(kPassword).ok());
  CHECK(exam::CheckNewPassword(std::string(128, 'x')).ok());

  ScratchDatabase db;
  REQUIRE(exam::CreateOrganization(db.owner(), "org-one", "Org one", false).ok());
  auto user = exam::CreateStaffUser(db.owner(), "org-one", "bob@example.edu",
                                    exam::StaffRole::kTa, "Bob", std::string("Qwertyuiop12"),
                                    false);
  REQUIRE_FALSE(user.ok());
  CHECK(user.error().code == exam::ErrorCode::kInvalidArgument);
}

TEST_CASE("login with the right password creates a login session") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  const exam::StaffUser user = MakeStaff(db, "org-one", "ada@example.edu");

  const exam::LoginSuccess success = LoginOk(db, Request("Ada@Example.edu", kPassword), clock);
  CHECK(success.staff.org_id == user.org_id);
  CHECK(success.staff.user_id == user.id);
  CHECK(success.staff.role == exam::StaffRole::kInstructor);
  CHECK(success.secret.rfind("els_", 0) == 0);
  CHECK(success.secret.size() == 4 + 43);
  CHECK(success.expires_at == kStart + 12 * 60 * kMinute);
  CHECK(success.csrf_token == exam::CsrfTokenFor(success.secret));

  auto session = exam::AuthenticateLoginSession(db.app(), success.secret, {}, clock);
  REQUIRE(session.ok());
  CHECK(session->session_id == success.session_id);
  CHECK(session->staff.user_id == user.id);
  CHECK(CountAudit(db, user.org_id, "login.succeeded") == 1);
}

TEST_CASE("stored login session token is only its SHA-256") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  MakeStaff(db, "org-one", "ada@example.edu");
  const exam::LoginSuccess success = LoginOk(db, Request("ada@example.edu", kPassword), clock);

  REQUIRE(db.owner()
              .WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
                const pqxx::row row = txn.exec_params1(
                    "SELECT encode(token_hash, 'hex'), "
                    "       (SELECT count(*) FROM login_sessions s2 "
                    "         WHERE position(convert_to($2, 'UTF8') IN s2.token_hash) > 0 "
                    "            OR s2.user_agent LIKE '%' || $2 || '%') "
                    "  FROM login_sessions WHERE id = $1",
                    success.session_id, success.secret);
                CHECK(row[0].as<std::string>() == exam::Sha256Hex(success.secret));
                CHECK(row[1].as<int>() == 0);
                return {};
              })
              .ok());
}

TEST_CASE("wrong password and unknown email fail alike") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  const exam::StaffUser user = MakeStaff(db, "org-one", "ada@example.edu");

  auto wrong = exam::Login(db.app(), Request("ada@example.edu", "not the password"), {}, clock,
                           exam::NullLogSink());
  auto unknown = exam::Login(db.app(), Request("nobody@example.edu", kPassword), {}, clock,
                             exam::NullLogSink());
  REQUIRE(wrong.ok());
  REQUIRE(unknown.ok());
  CHECK_FALSE(wrong->success.has_value());
  CHECK_FALSE(unknown->success.has_value());
  CHECK_FALSE(wrong->retry_after_seconds.has_value());
  CHECK_FALSE(unknown->retry_after_seconds.has_value());
  CHECK(CountAudit(db, user.org_id, "login.failed") == 1);
}

TEST_CASE("101st failed login in an hour is locked") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  RecordingSink log;
  const exam::StaffUser ada = MakeStaff(db, "org-one", "ada@example.edu");
  MakeStaff(db, "org-one", "bob@example.edu");
  const exam::LoginPolicy policy;  // 100 failures per hour
  REQUIRE(policy.max_failures_per_hour == 100);

  for (int attempt = 1; attempt <= 100; ++attempt) {
    clock.Advance(1000);
    auto outcome =
        exam::Login(db.app(), Request("ada@example.edu", "wrong password"), policy, clock, log);
    INFO("attempt " << attempt);
    REQUIRE(outcome.ok());
    REQUIRE_FALSE(outcome->success.has_value());
    REQUIRE_FALSE(outcome->retry_after_seconds.has_value());
  }
  CHECK(CountAudit(db, ada.org_id, "login.locked") == 1);
  CHECK(log.CountContaining("locked") == 1);

  auto locked = exam::Login(db.app(), Request("ada@example.edu", kPassword), policy, clock, log);
  REQUIRE(locked.ok());
  CHECK_FALSE(locked->success.has_value());
  REQUIRE(locked->retry_after_seconds.has_value());
  // The first failure was 99 seconds ago, so it leaves the hour in 3501 s.
  CHECK(*locked->retry_after_seconds == 3501);
  CHECK(CountAudit(db, ada.org_id, "login.failed") == 100);

  // Another account of the same organization is not affected.
  LoginOk(db, Request("bob@example.edu", kPassword), clock, policy);

  clock.Advance(3500 * 1000);
  auto still_locked =
      exam::Login(db.app(), Request("ada@example.edu", kPassword), policy, clock, log);
  REQUIRE(still_locked.ok());
  CHECK(still_locked->retry_after_seconds.has_value());

  // Once the first failure is an hour old, 99 remain and sign-in works again.
  clock.Advance(1000);
  LoginOk(db, Request("ada@example.edu", kPassword), clock, policy);
}

TEST_CASE("login session ends after idle time") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  MakeStaff(db, "org-one", "ada@example.edu");
  const exam::LoginPolicy policy;  // 30 minutes idle
  const exam::LoginSuccess success = LoginOk(db, Request("ada@example.edu", kPassword), clock);

  clock.Advance(29 * kMinute);
  REQUIRE(exam::AuthenticateLoginSession(db.app(), success.secret, policy, clock).ok());
  clock.Advance(29 * kMinute);
  REQUIRE(exam::AuthenticateLoginSession(db.app(), success.secret, policy, clock).ok());
  clock.Advance(30 * kMinute);
  auto expired = exam::AuthenticateLoginSession(db.app(), success.secret, policy, clock);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().code == exam::ErrorCode::kUnauthenticated);
}

TEST_CASE("login session ends 12 hours after sign-in") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  MakeStaff(db, "org-one", "ada@example.edu");
  const exam::LoginPolicy policy;
  const exam::LoginSuccess success = LoginOk(db, Request("ada@example.edu", kPassword), clock);

  // A request every 20 minutes keeps it from going idle.
  for (int step = 1; step < 36; ++step) {
    clock.Advance(20 * kMinute);
    INFO("after " << step * 20 << " minutes");
    REQUIRE(exam::AuthenticateLoginSession(db.app(), success.secret, policy, clock).ok());
  }
  clock.Advance(20 * kMinute);
  auto expired = exam::AuthenticateLoginSession(db.app(), success.secret, policy, clock);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().code == exam::ErrorCode::kUnauthenticated);
}

TEST_CASE("revoked login session is rejected and not listed") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  MakeStaff(db, "org-one", "ada@example.edu");
  const exam::LoginSuccess first = LoginOk(db, Request("ada@example.edu", kPassword), clock);
  const exam::LoginSuccess second = LoginOk(db, Request("ada@example.edu", kPassword), clock);

  auto listed = exam::ListLoginSessions(db.app(), first.staff, {}, clock);
  REQUIRE(listed.ok());
  CHECK(listed->size() == 2);

  REQUIRE(exam::RevokeLoginSession(db.app(), first.staff, first.session_id, clock).ok());
  CHECK_FALSE(exam::AuthenticateLoginSession(db.app(), first.secret, {}, clock).ok());
  CHECK(exam::AuthenticateLoginSession(db.app(), second.secret, {}, clock).ok());
  listed = exam::ListLoginSessions(db.app(), first.staff, {}, clock);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].id == second.session_id);
  CHECK((*listed)[0].user_agent == "login_test");
  CHECK(CountAudit(db, first.staff.org_id, "login_session.revoke") == 1);
}

TEST_CASE("another user's login session cannot be revoked") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  MakeStaff(db, "org-one", "ada@example.edu");
  MakeStaff(db, "org-one", "bob@example.edu");
  const exam::LoginSuccess ada = LoginOk(db, Request("ada@example.edu", kPassword), clock);
  const exam::LoginSuccess bob = LoginOk(db, Request("bob@example.edu", kPassword), clock);

  exam::Status status = exam::RevokeLoginSession(db.app(), bob.staff, ada.session_id, clock);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == exam::ErrorCode::kNotFound);
  CHECK(exam::AuthenticateLoginSession(db.app(), ada.secret, {}, clock).ok());
}

TEST_CASE("login rotates the presented login session") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  MakeStaff(db, "org-one", "ada@example.edu");
  const exam::LoginSuccess first = LoginOk(db, Request("ada@example.edu", kPassword), clock);

  exam::LoginRequest again = Request("ada@example.edu", kPassword);
  again.previous_secret = first.secret;
  const exam::LoginSuccess second = LoginOk(db, again, clock);
  CHECK(second.secret != first.secret);
  CHECK(second.session_id != first.session_id);
  CHECK_FALSE(exam::AuthenticateLoginSession(db.app(), first.secret, {}, clock).ok());
  CHECK(exam::AuthenticateLoginSession(db.app(), second.secret, {}, clock).ok());
}

TEST_CASE("weak stored hash is upgraded at login") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  const exam::StaffUser user = MakeStaff(db, "org-one", "ada@example.edu");
  char weak[crypto_pwhash_STRBYTES];
  REQUIRE(crypto_pwhash_str(weak, kPassword, std::strlen(kPassword), crypto_pwhash_OPSLIMIT_MIN,
                            crypto_pwhash_MEMLIMIT_MIN) == 0);
  db.ExecAsSuperuser(fmt::format("UPDATE staff_users SET password_hash = '{}' WHERE id = {}",
                                 weak, user.id));
  REQUIRE(ParseArgon2id(StoredPasswordHash(db, user)).memory_kib < 19456);

  LoginOk(db, Request("ada@example.edu", kPassword), clock);
  const Argon2Parameters upgraded = ParseArgon2id(StoredPasswordHash(db, user));
  CHECK(upgraded.memory_kib >= 19456);
  CHECK(upgraded.passes >= 2);
  LoginOk(db, Request("ada@example.edu", kPassword), clock);
}

TEST_CASE("email in two organizations needs the organization") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  MakeStaff(db, "org-one", "ada@example.edu");
  const exam::StaffUser second = MakeStaff(db, "org-two", "ada@example.edu", exam::StaffRole::kTa);

  auto ambiguous =
      exam::Login(db.app(), Request("ada@example.edu", kPassword), {}, clock, exam::NullLogSink());
  REQUIRE_FALSE(ambiguous.ok());
  CHECK(ambiguous.error().code == exam::ErrorCode::kInvalidArgument);

  auto wrong = exam::Login(db.app(), Request("ada@example.edu", "wrong password"), {}, clock,
                           exam::NullLogSink());
  REQUIRE(wrong.ok());
  CHECK_FALSE(wrong->success.has_value());

  exam::LoginRequest named = Request("ada@example.edu", kPassword);
  named.org_slug = "org-two";
  const exam::LoginSuccess success = LoginOk(db, named, clock);
  CHECK(success.staff.org_id == second.org_id);
  CHECK(success.staff.role == exam::StaffRole::kTa);
}

TEST_CASE("CSRF token belongs to one login session") {
  REQUIRE(exam::InitCrypto());
  const std::string first = exam::NewSecret(exam::kLoginSessionPrefix);
  const std::string second = exam::NewSecret(exam::kLoginSessionPrefix);
  CHECK(exam::CsrfTokenMatches(first, exam::CsrfTokenFor(first)));
  CHECK_FALSE(exam::CsrfTokenMatches(first, exam::CsrfTokenFor(second)));
  CHECK_FALSE(exam::CsrfTokenMatches(first, ""));
  CHECK(exam::CsrfTokenFor(first).size() == 43);
}
