#include "exam/operator.h"

#include <fmt/format.h>

#include <pqxx/pqxx>

#include "exam/auth.h"
#include "exam/crypto.h"

namespace exam {
namespace {

using nlohmann::json;

constexpr int kMaxLimit = 1000000;

Error Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, std::move(message)};
}

json OptionalTime(const pqxx::field& field) {
  return field.is_null() ? json() : json(FormatRfc3339(field.as<std::int64_t>()));
}

// Maps the SQLSTATEs that the operator functions raise on purpose to Error
// values; anything else stays an internal error.
Error OperatorFunctionError(const pqxx::sql_error& error, std::string_view org_slug) {
  const std::string& state = error.sqlstate();
  if (state == "28000") {
    return Unauthenticated(
        "the operator credential is no longer valid; create a new one with `examctl admin "
        "operator create`");
  }
  if (state == "P0002") {
    return NotFound(fmt::format(
        "organization \"{}\" not found; GET /api/operator/organizations lists them", org_slug));
  }
  if (state == "22023") {
    std::string message = error.what();
    return InvalidArgument(message.substr(0, message.find('\n')));
  }
  return Internal(error.what());
}

void WriteOperatorAudit(pqxx::transaction_base& txn, std::string_view action,
                        std::int64_t credential_id) {
  txn.exec_params(
      "INSERT INTO operator_audit_log (action, object_kind, object_id) "
      "VALUES ($1, 'operator_credential', $2)",
      std::string(action), credential_id);
}

}  // namespace

Result<OperatorPrincipal> AuthenticateOperatorToken(Database& db, std::string_view secret,
                                                    const Clock& clock) {
  if (secret.substr(0, kApiTokenPrefix.size()) == kApiTokenPrefix) {
    return Unauthenticated(
        "this route takes an operator credential (eop_...), not an organization's API token "
        "(ect_...); `examctl admin operator create` makes one");
  }
  if (!LooksLikeSecret(secret, kOperatorTokenPrefix)) {
    return Unauthenticated(
        "the operator credential is malformed: it is \"eop_\" followed by 43 characters; copy "
        "it whole");
  }
  OperatorPrincipal principal;
  principal.credential_hash_hex = SecretHashHex(secret);
  bool found = false;
  bool expired = false;
  bool revoked = false;
  Status status = db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT credential_id, name, (extract(epoch FROM expires_at) * 1000)::bigint, "
        "       revoked_at IS NOT NULL "
        "  FROM resolve_operator_credential(decode($1, 'hex'))",
        principal.credential_hash_hex);
    if (rows.empty()) {
      return {};
    }
    found = true;
    principal.credential_id = rows[0][0].as<std::int64_t>();
    principal.name = rows[0][1].as<std::string>();
    expired = rows[0][2].as<std::int64_t>() <= clock.Now();
    revoked = rows[0][3].as<bool>();
    return {};
  });
  if (!status) {
    return status.error();
  }
  if (!found) {
    return Unauthenticated(
        "the operator credential is not valid; create one with `examctl admin operator create`");
  }
  if (revoked) {
    return Unauthenticated("the operator credential was revoked; create a new one");
  }
  if (expired) {
    return Unauthenticated("the operator credential has expired; create a new one");
  }
  return principal;
}

Result<json> ListOrganizationsAsOperator(Database& db, const OperatorPrincipal& caller) {
  json organizations = json::array();
  Status status = db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    pqxx::result rows;
    try {
      rows = txn.exec_params(
          "SELECT org_id, slug, name, seat_limit, exam_limit, "
          "       (extract(epoch FROM created_at) * 1000)::bigint, open_exams, open_sessions, "
          "       staff_users "
          "  FROM operator_list_organizations(decode($1, 'hex'))",
          caller.credential_hash_hex);
    } catch (const pqxx::sql_error& error) {
      return OperatorFunctionError(error, "");
    }
    for (const pqxx::row& row : rows) {
      organizations.push_back({{"id", row[0].as<std::int64_t>()},
                               {"slug", row[1].as<std::string>()},
                               {"name", row[2].as<std::string>()},
                               {"seat_limit", row[3].as<int>()},
                               {"exam_limit", row[4].as<int>()},
                               {"created_at", FormatRfc3339(row[5].as<std::int64_t>())},
                               {"open_exams", row[6].as<std::int64_t>()},
                               {"open_sessions", row[7].as<std::int64_t>()},
                               {"staff_users", row[8].as<std::int64_t>()}});
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return json{{"organizations", organizations}};
}

Result<json> SetPlanAsOperator(Database& db, const OperatorPrincipal& caller,
                               std::string_view org_slug, std::optional<int> seat_limit,
                               std::optional<int> exam_limit) {
  if (!seat_limit && !exam_limit) {
    return InvalidArgument("give seat_limit, exam_limit or both");
  }
  for (const auto& [name, value] :
       {std::pair{"seat_limit", seat_limit}, std::pair{"exam_limit", exam_limit}}) {
    if (value && (*value < 0 || *value > kMaxLimit)) {
      return InvalidArgument(
          fmt::format("{} must be an integer from 0 to {}, got {}", name, kMaxLimit, *value));
    }
  }
  json plan;
  Status status = db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    pqxx::result rows;
    try {
      // An unset limit goes as '' and reaches the function as NULL, which
      // keeps its value.
      rows = txn.exec_params(
          "SELECT org_id, slug, seat_limit, exam_limit "
          "  FROM operator_set_plan(decode($1, 'hex'), $2, NULLIF($3, '')::integer, "
          "                         NULLIF($4, '')::integer)",
          caller.credential_hash_hex, std::string(org_slug),
          seat_limit ? std::to_string(*seat_limit) : std::string(),
          exam_limit ? std::to_string(*exam_limit) : std::string());
    } catch (const pqxx::sql_error& error) {
      return OperatorFunctionError(error, org_slug);
    }
    plan = {{"id", rows[0][0].as<std::int64_t>()},
            {"slug", rows[0][1].as<std::string>()},
            {"seat_limit", rows[0][2].as<int>()},
            {"exam_limit", rows[0][3].as<int>()}};
    return {};
  });
  if (!status) {
    return status.error();
  }
  return plan;
}

Result<NewOperatorCredential> CreateOperatorCredential(Database& owner_db, std::string_view name,
                                                       int expires_in_days, const Clock& clock) {
  if (expires_in_days < 1 || expires_in_days > 366) {
    return InvalidArgument(fmt::format(
        "--expires-in must be a number of days from 1 to 366, got {}", expires_in_days));
  }
  if (name.size() > 100) {
    return InvalidArgument(
        fmt::format("--name must have at most 100 bytes, got {}", name.size()));
  }
  NewOperatorCredential credential;
  credential.secret = NewSecret(kOperatorTokenPrefix);
  credential.expires_at = clock.Now() + std::int64_t{expires_in_days} * 86400 * 1000;
  Status status = owner_db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::row inserted = txn.exec_params1(
        "INSERT INTO operator_credentials (token_hash, name, expires_at) "
        "VALUES (decode($1, 'hex'), $2, to_timestamp($3::double precision / 1000)) RETURNING id",
        SecretHashHex(credential.secret), std::string(name), credential.expires_at);
    credential.id = inserted[0].as<std::int64_t>();
    WriteOperatorAudit(txn, "operator_credential.create", credential.id);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return credential;
}

Result<json> ListOperatorCredentials(Database& owner_db) {
  json credentials = json::array();
  Status status = owner_db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    for (const pqxx::row& row : txn.exec(
             "SELECT id, name, (extract(epoch FROM created_at) * 1000)::bigint, "
             "       (extract(epoch FROM expires_at) * 1000)::bigint, "
             "       (extract(epoch FROM revoked_at) * 1000)::bigint "
             "  FROM operator_credentials ORDER BY id")) {
      credentials.push_back({{"id", row[0].as<std::int64_t>()},
                             {"name", row[1].as<std::string>()},
                             {"created_at", OptionalTime(row[2])},
                             {"expires_at", OptionalTime(row[3])},
                             {"revoked_at", OptionalTime(row[4])}});
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return credentials;
}

Result<bool> RevokeOperatorCredential(Database& owner_db, std::int64_t credential_id,
                                      const Clock& clock) {
  bool revoked_now = false;
  Status status = owner_db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT revoked_at IS NULL FROM operator_credentials WHERE id = $1 FOR UPDATE",
        credential_id);
    if (rows.empty()) {
      return NotFound(fmt::format(
          "operator credential {} not found; `examctl admin operator list` shows them",
          credential_id));
    }
    revoked_now = rows[0][0].as<bool>();
    if (!revoked_now) {
      return {};
    }
    txn.exec_params(
        "UPDATE operator_credentials SET revoked_at = to_timestamp($2::double precision / 1000) "
        " WHERE id = $1",
        credential_id, clock.Now());
    WriteOperatorAudit(txn, "operator_credential.revoke", credential_id);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return revoked_now;
}

}  // namespace exam
