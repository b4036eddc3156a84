// The platform operator, who is outside every organization: its credential
// and what it may do through examd. A credential is a bearer secret ("eop_"
// and 32 random bytes) of which only the SHA-256 is stored, in
// operator_credentials, a table that examd's role cannot read. examd passes
// that hash to SECURITY DEFINER functions, which check it again before they
// act, so examd's role cannot change a plan without a valid credential. The
// owner role creates, lists and revokes credentials (`examctl admin
// operator`). Safe to call from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/time.h"

namespace exam {

inline constexpr std::string_view kOperatorTokenPrefix = "eop_";

// The operator acting through one credential.
struct OperatorPrincipal {
  std::int64_t credential_id = 0;
  std::string name;
  // SHA-256 of the credential's secret, as hex. The database checks it again
  // on every action; it cannot be used as a credential itself.
  std::string credential_hash_hex;
};

// Returns the operator behind a credential. Fails with kUnauthenticated for
// a malformed, unknown, expired or revoked one; the message never repeats
// the secret.
Result<OperatorPrincipal> AuthenticateOperatorToken(Database& db, std::string_view secret,
                                                    const Clock& clock);

// Lists every organization, by slug, with its plan (seat_limit, exam_limit)
// and its usage now: open_exams (not closed), open_sessions (exam sessions
// not submitted and before their deadline) and staff_users.
Result<nlohmann::json> ListOrganizationsAsOperator(Database& db,
                                                   const OperatorPrincipal& caller);

// Sets an organization's seat limit and/or exam limit (0 to 1000000) and
// writes the change to its audit_log in the same transaction, all inside the
// database function operator_set_plan. Fails with kInvalidArgument when
// neither limit is given or one is out of range, kNotFound for an unknown
// organization, kUnauthenticated when the credential stopped being valid.
Result<nlohmann::json> SetPlanAsOperator(Database& db, const OperatorPrincipal& caller,
                                         std::string_view org_slug,
                                         std::optional<int> seat_limit,
                                         std::optional<int> exam_limit);

struct NewOperatorCredential {
  std::int64_t id = 0;
  std::string secret;  // shown once; only its SHA-256 is stored
  UnixMillis expires_at = 0;
};

// Creates an operator credential valid for `expires_in_days` (1 to 366).
// Runs as the owner role and records it in operator_audit_log.
Result<NewOperatorCredential> CreateOperatorCredential(Database& owner_db, std::string_view name,
                                                       int expires_in_days, const Clock& clock);

// Lists every operator credential: id, name, created_at, expires_at,
// revoked_at. Runs as the owner role.
Result<nlohmann::json> ListOperatorCredentials(Database& owner_db);

// Revokes an operator credential and returns true, or false when it was
// already revoked, which changes nothing. Runs as the owner role, records a
// revocation in operator_audit_log, and fails with kNotFound for an unknown id.
Result<bool> RevokeOperatorCredential(Database& owner_db, std::int64_t credential_id,
                                      const Clock& clock);

}  // namespace exam
