#include "exam/login.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "exam/admin.h"
#include "exam/auth.h"
#include "exam/crypto.h"

namespace exam {
namespace {

using nlohmann::json;

constexpr std::int64_t kHourMs = 60 * 60 * 1000;
// A login session's last use is written at most this often.
constexpr std::int64_t kTouchIntervalMs = 60 * 1000;
constexpr std::size_t kMaxUserAgentBytes = 512;
constexpr std::string_view kCsrfLabel = "examination-center login session csrf v1";

// Lower-case entries of 12 or more characters, generated for this project
// from well-known weak patterns (keyboard rows, digit runs, common words
// with years and digits).
constexpr std::string_view kCommonPasswords[] = {
#include "common_passwords.inc"
};

Error Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, std::move(message)};
}

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

// A login session secret is "els_" plus 43 base64url characters; anything
// else is rejected before a database round trip.
bool LooksLikeLoginSecret(std::string_view secret) {
  if (secret.size() != kLoginSessionPrefix.size() + 43 ||
      secret.substr(0, kLoginSessionPrefix.size()) != kLoginSessionPrefix) {
    return false;
  }
  return std::all_of(secret.begin() + kLoginSessionPrefix.size(), secret.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
  });
}

std::string CutUtf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return std::string(text);
  }
  std::size_t end = max_bytes;
  // Step back over continuation bytes so that no character is split.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return std::string(text.substr(0, end));
}

void WriteAudit(pqxx::transaction_base& txn, OrgId org_id, std::int64_t actor_id,
                std::string_view action, std::string_view object_kind, std::int64_t object_id,
                const json& detail) {
  txn.exec_params(
      "INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id, "
      "                       detail) "
      "VALUES ($1, 'staff', $2, $3, $4, NULLIF($5, 0), $6::jsonb)",
      org_id, actor_id, std::string(action), std::string(object_kind), object_id, detail.dump());
}

// An argon2id hash of a random password, verified against when the email is
// unknown, so that an unknown email costs as much time as a wrong password.
const std::string& DummyPasswordHash() {
  static const std::string hash = [] {
    auto dummy = HashPassword(NewSecret("dummy_"));
    return dummy ? *dummy : std::string();
  }();
  return hash;
}

bool PasswordHashNeedsUpgrade(const std::string& hash) {
  return crypto_pwhash_str_needs_rehash(hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

// One account that the email of a sign-in attempt belongs to.
struct LoginCandidate {
  OrgId org_id = 0;
  std::string org_slug;
  std::int64_t user_id = 0;
  StaffRole role = StaffRole::kTa;
};

Result<std::vector<LoginCandidate>> FindLoginCandidates(Database& db, const std::string& email) {
  std::vector<LoginCandidate> candidates;
  Status status = db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT org_id, org_slug, user_id, role FROM resolve_staff_login($1)", email);
    for (const pqxx::row& row : rows) {
      candidates.push_back({row[0].as<OrgId>(), row[1].as<std::string>(),
                            row[2].as<std::int64_t>(),
                            StaffRoleFromName(row[3].as<std::string>()).value_or(StaffRole::kTa)});
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return candidates;
}

enum class AttemptResult { kSuccess, kWrongPassword, kLocked };

struct Attempt {
  AttemptResult result = AttemptResult::kWrongPassword;
  std::int64_t retry_after_seconds = 0;
  std::optional<LoginSuccess> success;
};

// Checks the password of one account under a row lock on the staff user, so
// that concurrent attempts on one account are counted exactly. A wrong
// password is recorded as a failure. A right one creates a login session
// when `create_session` is set, and is only reported otherwise.
Result<Attempt> AttemptLogin(Database& db, const LoginCandidate& candidate,
                             const LoginRequest& request, bool create_session,
                             const LoginPolicy& policy, const Clock& clock, LogSink& log) {
  const UnixMillis now = clock.Now();
  const UnixMillis window_start = now - kHourMs;
  Attempt attempt;
  Status status = db.InTenant(candidate.org_id, [&](pqxx::transaction_base& txn) -> Status {
    attempt = Attempt{};
    const pqxx::result user = txn.exec_params(
        "SELECT password_hash FROM staff_users WHERE org_id = $1 AND id = $2 FOR UPDATE",
        candidate.org_id, candidate.user_id);
    if (user.empty() || user[0][0].is_null()) {
      return {};  // removed or password cleared since the look-up: a wrong password
    }
    const std::string stored_hash = user[0][0].as<std::string>();

    txn.exec_params(
        "DELETE FROM login_failures WHERE org_id = $1 AND user_id = $2 "
        "   AND failed_at <= to_timestamp($3::double precision / 1000)",
        candidate.org_id, candidate.user_id, window_start);
    const pqxx::result failures = txn.exec_params(
        "SELECT count(*), (extract(epoch FROM min(failed_at)) * 1000)::bigint "
        "  FROM login_failures WHERE org_id = $1 AND user_id = $2",
        candidate.org_id, candidate.user_id);
    const int failure_count = failures[0][0].as<int>();
    if (failure_count >= policy.max_failures_per_hour) {
      const UnixMillis oldest = failures[0][1].as<std::int64_t>();
      attempt.result = AttemptResult::kLocked;
      attempt.retry_after_seconds = std::max<std::int64_t>(1, (oldest + kHourMs - now + 999) / 1000);
      return {};
    }

    if (!VerifyPassword(stored_hash, request.password)) {
      txn.exec_params(
          "INSERT INTO login_failures (org_id, user_id, failed_at) "
          "VALUES ($1, $2, to_timestamp($3::double precision / 1000))",
          candidate.org_id, candidate.user_id, now);
      WriteAudit(txn, candidate.org_id, candidate.user_id, "login.failed", "staff_user",
                 candidate.user_id, {{"failures_in_last_hour", failure_count + 1}});
      if (failure_count + 1 >= policy.max_failures_per_hour) {
        const std::string until = FormatRfc3339(now + kHourMs);
        WriteAudit(txn, candidate.org_id, candidate.user_id, "login.locked", "staff_user",
                   candidate.user_id,
                   {{"failures_in_last_hour", failure_count + 1}, {"locked_until_at_most", until}});
        log.Write(LogLevel::kWarning, "sign-in locked after too many failed attempts",
                  {{"org_id", std::to_string(candidate.org_id)},
                   {"user_id", std::to_string(candidate.user_id)},
                   {"failures_in_last_hour", std::to_string(failure_count + 1)},
                   {"locked_until_at_most", until}});
      }
      return {};
    }

    attempt.result = AttemptResult::kSuccess;
    if (!create_session) {
      return {};
    }
    if (PasswordHashNeedsUpgrade(stored_hash)) {
      auto upgraded = HashPassword(request.password);
      if (!upgraded) {
        return upgraded.error();
      }
      txn.exec_params("UPDATE staff_users SET password_hash = $3 WHERE org_id = $1 AND id = $2",
                      candidate.org_id, candidate.user_id, *upgraded);
      WriteAudit(txn, candidate.org_id, candidate.user_id, "staff_user.password_rehash",
                 "staff_user", candidate.user_id, json::object());
    }
    txn.exec_params("DELETE FROM login_failures WHERE org_id = $1 AND user_id = $2",
                    candidate.org_id, candidate.user_id);

    // Rotation: the cookie presented with the sign-in request, if any, ends
    // here, so a session fixed before sign-in is never the signed-in one.
    if (LooksLikeLoginSecret(request.previous_secret)) {
      const pqxx::result revoked = txn.exec_params(
          "UPDATE login_sessions SET revoked_at = to_timestamp($3::double precision / 1000) "
          " WHERE org_id = $1 AND token_hash = decode($2, 'hex') AND revoked_at IS NULL "
          "RETURNING id",
          candidate.org_id, SecretHashHex(request.previous_secret), now);
      for (const pqxx::row& row : revoked) {
        WriteAudit(txn, candidate.org_id, candidate.user_id, "login_session.revoke",
                   "login_session", row[0].as<std::int64_t>(), {{"reason", "new sign-in"}});
      }
    }

    LoginSuccess success;
    success.staff = {candidate.org_id, candidate.user_id, candidate.role, 0};
    success.secret = NewSecret(kLoginSessionPrefix);
    success.csrf_token = CsrfTokenFor(success.secret);
    success.expires_at = now + policy.absolute_timeout_ms;
    const pqxx::result inserted = txn.exec_params(
        "INSERT INTO login_sessions (org_id, user_id, token_hash, user_agent, created_at, "
        "                            last_seen_at, expires_at) "
        "VALUES ($1, $2, decode($3, 'hex'), $4, to_timestamp($5::double precision / 1000), "
        "        to_timestamp($5::double precision / 1000), "
        "        to_timestamp($6::double precision / 1000)) "
        "RETURNING id",
        candidate.org_id, candidate.user_id, SecretHashHex(success.secret),
        CutUtf8(request.user_agent, kMaxUserAgentBytes), now, success.expires_at);
    success.session_id = inserted[0][0].as<std::int64_t>();
    WriteAudit(txn, candidate.org_id, candidate.user_id, "login.succeeded", "login_session",
               success.session_id, json::object());
    attempt.success = std::move(success);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return attempt;
}

}  // namespace

Status CheckNewPassword(std::string_view password) {
  if (password.size() < 12 || password.size() > 128) {
    return InvalidArgument(fmt::format(
        "the password has {} characters; use 12 to 128 characters", password.size()));
  }
  const std::string lower = Lowercase(password);
  for (std::string_view common : kCommonPasswords) {
    if (lower == common) {
      return InvalidArgument(
          "the password is on the list of common passwords; choose a longer, less predictable "
          "one, such as several unrelated words");
    }
  }
  return {};
}

std::string CsrfTokenFor(std::string_view secret) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(kCsrfLabel.data()),
                                kCsrfLabel.size());
  crypto_auth_hmacsha256_final(&state, mac);

  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string encoded(sodium_base64_ENCODED_LEN(sizeof mac, variant), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), mac, sizeof mac, variant);
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool CsrfTokenMatches(std::string_view secret, std::string_view presented) {
  return !presented.empty() && ConstantTimeEquals(CsrfTokenFor(secret), presented);
}

Result<LoginOutcome> Login(Database& db, const LoginRequest& request, const LoginPolicy& policy,
                           const Clock& clock, LogSink& log) {
  if (request.email.empty() || request.email.size() > 254) {
    return InvalidArgument("\"email\" must be an email address of 1 to 254 characters");
  }
  if (request.password.empty() || request.password.size() > 1024) {
    return InvalidArgument("\"password\" must be a string of 1 to 1024 characters");
  }
  auto found = FindLoginCandidates(db, Lowercase(request.email));
  if (!found) {
    return found.error();
  }
  std::vector<LoginCandidate> candidates = std::move(*found);
  if (!request.org_slug.empty()) {
    std::erase_if(candidates, [&](const LoginCandidate& candidate) {
      return candidate.org_slug != request.org_slug;
    });
  }

  LoginOutcome outcome;
  if (candidates.empty()) {
    VerifyPassword(DummyPasswordHash(), request.password);
    log.Write(LogLevel::kInfo, "sign-in failed", {{"reason", "unknown email or organization"}});
    return outcome;
  }

  // With several accounts and no organization named, no session is created:
  // the caller learns that it must name one only after the password matched
  // an account that is not locked.
  const bool create_session = candidates.size() == 1;
  bool matched = false;
  for (const LoginCandidate& candidate : candidates) {
    auto attempt = AttemptLogin(db, candidate, request, create_session, policy, clock, log);
    if (!attempt) {
      return attempt.error();
    }
    if (attempt->result == AttemptResult::kLocked) {
      outcome.retry_after_seconds =
          std::max(outcome.retry_after_seconds.value_or(0), attempt->retry_after_seconds);
    } else if (attempt->result == AttemptResult::kSuccess) {
      matched = true;
      outcome.success = std::move(attempt->success);
    }
  }
  if (outcome.retry_after_seconds) {
    outcome.success.reset();
    return outcome;
  }
  if (matched && !create_session) {
    return InvalidArgument(
        "this email belongs to staff in more than one organization; add \"org\" with the "
        "organization's slug");
  }
  return outcome;
}

Result<LoginSession> AuthenticateLoginSession(Database& db, std::string_view secret,
                                              const LoginPolicy& policy, const Clock& clock) {
  if (!LooksLikeLoginSecret(secret)) {
    return Unauthenticated("the login session cookie is malformed; sign in again");
  }
  const UnixMillis now = clock.Now();
  LoginSession session;
  bool found = false;
  bool revoked = false;
  Status status = db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT org_id, session_id, user_id, role, "
        "       (extract(epoch FROM created_at) * 1000)::bigint, "
        "       (extract(epoch FROM last_seen_at) * 1000)::bigint, "
        "       (extract(epoch FROM expires_at) * 1000)::bigint, revoked_at IS NOT NULL "
        "  FROM resolve_login_session(decode($1, 'hex'))",
        SecretHashHex(secret));
    if (rows.empty()) {
      return {};
    }
    found = true;
    const pqxx::row& row = rows[0];
    session.staff.org_id = row[0].as<OrgId>();
    session.session_id = row[1].as<std::int64_t>();
    session.staff.user_id = row[2].as<std::int64_t>();
    session.staff.role = StaffRoleFromName(row[3].as<std::string>()).value_or(StaffRole::kTa);
    session.created_at = row[4].as<std::int64_t>();
    session.last_seen_at = row[5].as<std::int64_t>();
    session.expires_at = row[6].as<std::int64_t>();
    revoked = row[7].as<bool>();
    return {};
  });
  if (!status) {
    return status.error();
  }
  if (!found || revoked) {
    return Unauthenticated("the login session is not valid or has ended; sign in again");
  }
  if (now >= session.expires_at) {
    return Unauthenticated("the login session has expired; sign in again");
  }
  if (now - session.last_seen_at >= policy.idle_timeout_ms) {
    return Unauthenticated(fmt::format(
        "the login session ended after {} minutes without a request; sign in again",
        policy.idle_timeout_ms / 60000));
  }

  if (now - session.last_seen_at >= kTouchIntervalMs) {
    status = db.InTenant(session.staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
      txn.exec_params(
          "UPDATE login_sessions SET last_seen_at = to_timestamp($3::double precision / 1000) "
          " WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL "
          "   AND last_seen_at < to_timestamp($3::double precision / 1000)",
          session.staff.org_id, session.session_id, now);
      return {};
    });
    if (!status) {
      return status.error();
    }
    session.last_seen_at = now;
  }
  return session;
}

Status RevokeLoginSession(Database& db, const StaffPrincipal& staff, std::int64_t session_id,
                          const Clock& clock) {
  return db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT revoked_at IS NOT NULL FROM login_sessions "
        " WHERE org_id = $1 AND id = $2 AND user_id = $3 FOR UPDATE",
        staff.org_id, session_id, staff.user_id);
    if (rows.empty()) {
      return NotFound(fmt::format("login session {} not found among your sessions", session_id));
    }
    if (rows[0][0].as<bool>()) {
      return {};
    }
    txn.exec_params(
        "UPDATE login_sessions SET revoked_at = to_timestamp($3::double precision / 1000) "
        " WHERE org_id = $1 AND id = $2",
        staff.org_id, session_id, clock.Now());
    WriteAudit(txn, staff.org_id, staff.user_id, "login_session.revoke", "login_session",
               session_id, json::object());
    return {};
  });
}

Result<std::vector<LoginSessionInfo>> ListLoginSessions(Database& db, const StaffPrincipal& staff,
                                                        const LoginPolicy& policy,
                                                        const Clock& clock) {
  const UnixMillis now = clock.Now();
  std::vector<LoginSessionInfo> sessions;
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT id, (extract(epoch FROM created_at) * 1000)::bigint, "
        "       (extract(epoch FROM last_seen_at) * 1000)::bigint, "
        "       (extract(epoch FROM expires_at) * 1000)::bigint, user_agent "
        "  FROM login_sessions "
        " WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL "
        "   AND expires_at > to_timestamp($3::double precision / 1000) "
        "   AND last_seen_at > to_timestamp($4::double precision / 1000) "
        " ORDER BY created_at DESC, id DESC",
        staff.org_id, staff.user_id, now, now - policy.idle_timeout_ms);
    for (const pqxx::row& row : rows) {
      sessions.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(),
                          row[2].as<std::int64_t>(), row[3].as<std::int64_t>(),
                          row[4].as<std::string>()});
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return sessions;
}

Result<StaffProfile> GetStaffProfile(Database& db, const StaffPrincipal& staff) {
  StaffProfile profile;
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT u.email, u.name, u.role, o.slug, o.name "
        "  FROM staff_users u JOIN organizations o ON o.id = u.org_id "
        " WHERE u.org_id = $1 AND u.id = $2",
        staff.org_id, staff.user_id);
    if (rows.empty()) {
      return NotFound("the signed-in staff user no longer exists");
    }
    profile.email = rows[0][0].as<std::string>();
    profile.name = rows[0][1].as<std::string>();
    profile.role = StaffRoleFromName(rows[0][2].as<std::string>()).value_or(StaffRole::kTa);
    profile.org_slug = rows[0][3].as<std::string>();
    profile.org_name = rows[0][4].as<std::string>();
    return {};
  });
  if (!status) {
    return status.error();
  }
  return profile;
}

}  // namespace exam
