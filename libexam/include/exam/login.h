// Staff sign-in with email and password, and the login sessions that a
// browser keeps in a cookie. A login session's secret is 32 random bytes of
// which only the SHA-256 is stored; its CSRF token is an HMAC of the secret,
// so any examd instance can check it without storing it. Failed sign-ins are
// counted per account and rate-limited. Every function writes its audit
// record in the transaction of the action it records. Safe to call from
// several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/log.h"
#include "exam/principal.h"
#include "exam/time.h"

namespace exam {

inline constexpr std::string_view kLoginSessionPrefix = "els_";

// Limits of sign-in and login sessions; examd sets them from its options.
struct LoginPolicy {
  std::int64_t idle_timeout_ms = 30 * 60 * 1000;           // since the last request
  std::int64_t absolute_timeout_ms = 12 * 60 * 60 * 1000;  // since sign-in
  int max_failures_per_hour = 100;                         // per account
};

struct LoginRequest {
  std::string email;
  std::string password;
  std::string org_slug;       // needed only when the email is staff in several organizations
  std::string user_agent;     // stored, cut to 512 bytes, shown in the session list
  std::string previous_secret;  // the cookie presented with the request, revoked on success
};

// A successful sign-in. `secret` goes into the cookie and is never stored.
struct LoginSuccess {
  StaffPrincipal staff;
  std::int64_t session_id = 0;
  std::string secret;
  std::string csrf_token;
  UnixMillis expires_at = 0;  // absolute expiry
};

// The outcome of a sign-in attempt that reached the database. Exactly one of
// `success` and `retry_after_seconds` is set, or neither when the email or
// the password is wrong, which callers must report with the same message.
struct LoginOutcome {
  std::optional<LoginSuccess> success;
  std::optional<std::int64_t> retry_after_seconds;  // set when the account is locked
};

// The message for a wrong email or password; the same for both, so a caller
// cannot tell which staff emails exist.
inline constexpr std::string_view kLoginFailedMessage = "the email or password is not correct";

// Checks email and password and, when they match, creates a login session.
// Wrong credentials and a locked account are outcomes, not errors. An Error
// means invalid input or a database failure. kInvalidArgument is also
// returned when the email is staff in several organizations and `org_slug`
// is empty.
// Upgrades the stored hash when crypto_pwhash_str_needs_rehash says its
// parameters are older than HashPassword's.
Result<LoginOutcome> Login(Database& db, const LoginRequest& request, const LoginPolicy& policy,
                           const Clock& clock, LogSink& log);

// A login session that is valid now.
struct LoginSession {
  StaffPrincipal staff;  // token_id is 0: the credential is a login session
  std::int64_t session_id = 0;
  UnixMillis created_at = 0;
  UnixMillis last_seen_at = 0;
  UnixMillis expires_at = 0;
};

// Returns the login session behind a cookie secret and records the request
// time as its last use (at most once a minute, to spare writes). Fails with
// kUnauthenticated for an unknown, revoked, idle-expired or expired session.
Result<LoginSession> AuthenticateLoginSession(Database& db, std::string_view secret,
                                              const LoginPolicy& policy, const Clock& clock);

// Returns the CSRF token of a login session: the HMAC-SHA-256 of a fixed
// label keyed with the session's secret, in unpadded base64url.
std::string CsrfTokenFor(std::string_view secret);

// Compares a request's CSRF token with the session's, in constant time.
bool CsrfTokenMatches(std::string_view secret, std::string_view presented);

// Ends a login session of `staff`'s user. Fails with kNotFound when the
// user has no such session; revoking a revoked session changes nothing.
Status RevokeLoginSession(Database& db, const StaffPrincipal& staff, std::int64_t session_id,
                          const Clock& clock);

struct LoginSessionInfo {
  std::int64_t id = 0;
  UnixMillis created_at = 0;
  UnixMillis last_seen_at = 0;
  UnixMillis expires_at = 0;
  std::string user_agent;
};

// Lists the user's login sessions that are neither revoked nor expired, the
// newest first.
Result<std::vector<LoginSessionInfo>> ListLoginSessions(Database& db, const StaffPrincipal& staff,
                                                        const LoginPolicy& policy,
                                                        const Clock& clock);

// The signed-in user and organization, for GET /api/auth/me.
struct StaffProfile {
  std::string email;
  std::string name;
  StaffRole role = StaffRole::kTa;
  std::string org_slug;
  std::string org_name;
};

Result<StaffProfile> GetStaffProfile(Database& db, const StaffPrincipal& staff);

// Fails with kInvalidArgument when a new password is shorter than 12 or
// longer than 128 characters or is on the list of common passwords.
Status CheckNewPassword(std::string_view password);

}  // namespace exam
