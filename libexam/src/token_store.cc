#include "exam/token_store.h"

#include <fmt/format.h>

#include <pqxx/pqxx>

#include "exam/auth.h"
#include "exam/crypto.h"

namespace exam {
namespace {

using nlohmann::json;

int RoleRank(StaffRole role) {
  switch (role) {
    case StaffRole::kTa:
      return 0;
    case StaffRole::kInstructor:
      return 1;
    case StaffRole::kAdmin:
      return 2;
  }
  return 0;
}

json OptionalTime(const pqxx::field& field) {
  return field.is_null() ? json() : json(FormatRfc3339(field.as<std::int64_t>()));
}

}  // namespace

bool RoleWithin(StaffRole role, StaffRole limit) { return RoleRank(role) <= RoleRank(limit); }

Result<json> CreateOwnApiToken(Database& db, const StaffPrincipal& staff, std::string_view name,
                               std::optional<StaffRole> role, int expires_in_days,
                               const Clock& clock) {
  const StaffRole token_role = role.value_or(staff.role);
  if (!RoleWithin(token_role, staff.role)) {
    return Error{ErrorCode::kForbidden,
                 fmt::format("a {} may not create a token with role {}; choose {} or less",
                             StaffRoleName(staff.role), StaffRoleName(token_role),
                             StaffRoleName(staff.role))};
  }
  if (expires_in_days < 1 || expires_in_days > 366) {
    return InvalidArgument(fmt::format(
        "expires_in_days must be a number of days from 1 to 366, got {}", expires_in_days));
  }
  if (name.size() > 100) {
    return InvalidArgument("the token name must have at most 100 bytes");
  }

  const std::string secret = NewSecret(kApiTokenPrefix);
  const UnixMillis expires_at = clock.Now() + std::int64_t{expires_in_days} * 86400 * 1000;
  json token;
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::row inserted = txn.exec_params1(
        "INSERT INTO api_tokens (org_id, user_id, token_hash, name, role, expires_at) "
        "VALUES ($1, $2, decode($3, 'hex'), $4, $5, to_timestamp($6::double precision / 1000)) "
        "RETURNING id",
        staff.org_id, staff.user_id, SecretHashHex(secret), std::string(name),
        StaffRoleName(token_role), expires_at);
    const std::int64_t token_id = inserted[0].as<std::int64_t>();
    txn.exec_params(
        "INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id, "
        "                       detail) "
        "VALUES ($1, 'staff', $2, 'api_token.create', 'api_token', $3, $4::jsonb)",
        staff.org_id, staff.user_id, token_id,
        json({{"role", StaffRoleName(token_role)}, {"by_token", staff.token_id}}).dump());
    token = {{"id", token_id},
             {"token", secret},
             {"role", StaffRoleName(token_role)},
             {"expires_at", FormatRfc3339(expires_at)}};
    return {};
  });
  if (!status) {
    return status.error();
  }
  return token;
}

Result<json> ListApiTokens(Database& db, const StaffPrincipal& staff) {
  json tokens = json::array();
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const bool all = staff.role == StaffRole::kAdmin;
    for (const pqxx::row& row : txn.exec_params(
             "SELECT t.id, u.email, t.name, COALESCE(t.role, u.role), "
             "       (extract(epoch FROM t.created_at) * 1000)::bigint, "
             "       (extract(epoch FROM t.expires_at) * 1000)::bigint, "
             "       (extract(epoch FROM t.revoked_at) * 1000)::bigint "
             "  FROM api_tokens t JOIN staff_users u ON u.org_id = t.org_id AND u.id = t.user_id "
             " WHERE t.org_id = $1 AND ($2 OR t.user_id = $3) ORDER BY t.id",
             staff.org_id, all, staff.user_id)) {
      tokens.push_back({{"id", row[0].as<std::int64_t>()},
                        {"email", row[1].as<std::string>()},
                        {"name", row[2].as<std::string>()},
                        {"role", row[3].as<std::string>()},
                        {"created_at", OptionalTime(row[4])},
                        {"expires_at", OptionalTime(row[5])},
                        {"revoked_at", OptionalTime(row[6])},
                        {"current", row[0].as<std::int64_t>() == staff.token_id}});
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return tokens;
}

Result<json> RevokeApiToken(Database& db, const StaffPrincipal& staff, std::int64_t token_id,
                            const Clock& clock) {
  json result;
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const bool all = staff.role == StaffRole::kAdmin;
    const pqxx::result rows = txn.exec_params(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, "
        "                                            to_timestamp($4::double precision / 1000)) "
        " WHERE org_id = $1 AND id = $2 AND ($3 OR user_id = $5) RETURNING id",
        staff.org_id, token_id, all, clock.Now(), staff.user_id);
    if (rows.empty()) {
      return NotFound(fmt::format("API token {} not found among your tokens", token_id));
    }
    txn.exec_params(
        "INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id) "
        "VALUES ($1, 'staff', $2, 'api_token.revoke', 'api_token', $3)",
        staff.org_id, staff.user_id, token_id);
    result = {{"id", token_id}, {"revoked", true}};
    return {};
  });
  if (!status) {
    return status.error();
  }
  return result;
}

Result<json> ListAuditLog(Database& db, const StaffPrincipal& staff, int limit,
                          std::int64_t before_id) {
  if (staff.role != StaffRole::kAdmin) {
    return Error{ErrorCode::kForbidden, "only an org admin may read the audit log"};
  }
  if (limit < 1 || limit > 1000) {
    return InvalidArgument(fmt::format("limit must be from 1 to 1000, got {}", limit));
  }
  json entries = json::array();
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    for (const pqxx::row& row : txn.exec_params(
             "SELECT id, (extract(epoch FROM at) * 1000)::bigint, actor_kind, actor_id, action, "
             "       object_kind, object_id, detail::text "
             "  FROM audit_log WHERE org_id = $1 AND ($2::bigint = 0 OR id < $2::bigint) "
             " ORDER BY id DESC LIMIT $3",
             staff.org_id, before_id, limit)) {
      entries.push_back({{"id", row[0].as<std::int64_t>()},
                         {"at", FormatRfc3339(row[1].as<std::int64_t>())},
                         {"actor_kind", row[2].as<std::string>()},
                         {"actor_id", row[3].is_null() ? json() : json(row[3].as<std::int64_t>())},
                         {"action", row[4].as<std::string>()},
                         {"object_kind", row[5].as<std::string>()},
                         {"object_id", row[6].is_null() ? json() : json(row[6].as<std::int64_t>())},
                         {"detail", json::parse(row[7].as<std::string>())}});
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return entries;
}

}  // namespace exam
