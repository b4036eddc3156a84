#include "exam/auth.h"

#include <pqxx/pqxx>

#include "exam/crypto.h"

namespace exam {
namespace {

Error Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, std::move(message)};
}

}  // namespace

const char* StaffRoleName(StaffRole role) {
  switch (role) {
    case StaffRole::kAdmin:
      return "admin";
    case StaffRole::kInstructor:
      return "instructor";
    case StaffRole::kTa:
      return "ta";
  }
  return "ta";
}

std::optional<StaffRole> StaffRoleFromName(std::string_view name) {
  if (name == "admin") {
    return StaffRole::kAdmin;
  }
  if (name == "instructor") {
    return StaffRole::kInstructor;
  }
  if (name == "ta") {
    return StaffRole::kTa;
  }
  return std::nullopt;
}

std::string SecretHashHex(std::string_view secret) { return Sha256Hex(secret); }

bool LooksLikeSecret(std::string_view secret, std::string_view prefix) {
  if (secret.size() != prefix.size() + 43 || secret.substr(0, prefix.size()) != prefix) {
    return false;
  }
  for (char c : secret.substr(prefix.size())) {
    const bool base64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!base64url) {
      return false;
    }
  }
  return true;
}

Result<StaffPrincipal> AuthenticateApiToken(Database& db, std::string_view secret,
                                            const Clock& clock) {
  if (!LooksLikeSecret(secret, kApiTokenPrefix)) {
    return Unauthenticated(
        "the API token is malformed: an API token is \"ect_\" followed by 43 characters; copy "
        "it whole");
  }
  StaffPrincipal principal;
  bool found = false;
  bool expired = false;
  bool revoked = false;
  Status status = db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT org_id, token_id, user_id, role, "
        "       (extract(epoch FROM expires_at) * 1000)::bigint, revoked_at IS NOT NULL "
        "  FROM resolve_api_token(decode($1, 'hex'))",
        SecretHashHex(secret));
    if (rows.empty()) {
      return {};
    }
    found = true;
    principal.org_id = rows[0][0].as<OrgId>();
    principal.token_id = rows[0][1].as<std::int64_t>();
    principal.user_id = rows[0][2].as<std::int64_t>();
    principal.role = StaffRoleFromName(rows[0][3].as<std::string>()).value_or(StaffRole::kTa);
    expired = rows[0][4].as<std::int64_t>() <= clock.Now();
    revoked = rows[0][5].as<bool>();
    return {};
  });
  if (!status) {
    return status.error();
  }
  if (!found) {
    return Unauthenticated("the API token is not valid; create one with `examctl admin token create`");
  }
  if (revoked) {
    return Unauthenticated("the API token was revoked; create a new one");
  }
  if (expired) {
    return Unauthenticated("the API token has expired; create a new one");
  }
  return principal;
}

Result<StudentPrincipal> AuthenticateSessionToken(Database& db, std::string_view secret) {
  if (!LooksLikeSecret(secret, kSessionTokenPrefix)) {
    return Unauthenticated("the exam session token is malformed; open the invite link again");
  }
  StudentPrincipal principal;
  bool found = false;
  Status status = db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT org_id, session_id FROM resolve_session_token(decode($1, 'hex'))",
        SecretHashHex(secret));
    if (rows.empty()) {
      return {};
    }
    found = true;
    principal.org_id = rows[0][0].as<OrgId>();
    principal.session_id = rows[0][1].as<std::int64_t>();
    return {};
  });
  if (!status) {
    return status.error();
  }
  if (!found) {
    return Unauthenticated("the exam session token is not valid; open the invite link again");
  }
  return principal;
}

}  // namespace exam
