#include "exam/admin.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <pqxx/pqxx>

#include "exam/auth.h"
#include "exam/crypto.h"
#include "exam/exam_spec.h"
#include "exam/login.h"

namespace exam {
namespace {

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool LooksLikeEmail(std::string_view email) {
  const auto at = email.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
         email.find_first_of(" \t\r\n,;<>\"") == std::string_view::npos && email.size() <= 254;
}

Result<OrgId> FindOrganization(pqxx::transaction_base& txn, std::string_view slug) {
  const pqxx::result rows =
      txn.exec_params("SELECT id FROM organizations WHERE slug = $1", std::string(slug));
  if (rows.empty()) {
    return NotFound(fmt::format(
        "organization \"{}\" not found; create it with `examctl admin org create --slug {}`", slug,
        slug));
  }
  return rows[0][0].as<OrgId>();
}

void WriteAudit(pqxx::transaction_base& txn, OrgId org_id, std::string_view action,
                std::string_view object_kind, std::int64_t object_id) {
  txn.exec_params(
      "INSERT INTO audit_log (org_id, actor_kind, action, object_kind, object_id) "
      "VALUES ($1, 'operator', $2, $3, $4)",
      org_id, std::string(action), std::string(object_kind), object_id);
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < 12 || password.size() > 128) {
    return InvalidArgument(fmt::format(
        "the password has {} characters; use 12 to 128 characters", password.size()));
  }
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Internal("argon2id ran out of memory while hashing the password");
  }
  return std::string(hash);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

Result<Organization> CreateOrganization(Database& owner_db, std::string_view slug,
                                        std::string_view name, bool exists_ok) {
  if (!IsValidSlug(slug)) {
    return InvalidArgument(fmt::format(
        "organization slug \"{}\" is invalid; use 3 to 64 characters of a-z, 0-9 and '-'", slug));
  }
  if (name.empty() || name.size() > 200) {
    return InvalidArgument("organization name must have 1 to 200 characters");
  }
  Organization organization;
  Status status = owner_db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result inserted = txn.exec_params(
        "INSERT INTO organizations (slug, name) VALUES ($1, $2) "
        "ON CONFLICT (slug) DO NOTHING RETURNING id, slug, name",
        std::string(slug), std::string(name));
    if (inserted.empty()) {
      if (!exists_ok) {
        return Conflict(fmt::format("organization \"{}\" already exists", slug));
      }
      const pqxx::result existing =
          txn.exec_params("SELECT id, slug, name FROM organizations WHERE slug = $1", std::string(slug));
      organization = {existing[0][0].as<OrgId>(), existing[0][1].as<std::string>(),
                      existing[0][2].as<std::string>(), false};
      return {};
    }
    organization = {inserted[0][0].as<OrgId>(), inserted[0][1].as<std::string>(),
                    inserted[0][2].as<std::string>(), true};
    WriteAudit(txn, organization.id, "organization.create", "organization", organization.id);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return organization;
}

Result<StaffUser> CreateStaffUser(Database& owner_db, std::string_view org_slug,
                                  std::string_view email, StaffRole role, std::string_view name,
                                  const std::optional<std::string>& password, bool exists_ok) {
  const std::string normalized_email = Lowercase(email);
  if (!LooksLikeEmail(normalized_email)) {
    return InvalidArgument(fmt::format("email \"{}\" is invalid; give an address like name@example.edu", email));
  }
  std::string password_hash;
  if (password) {
    if (Status strength = CheckNewPassword(*password); !strength) {
      return strength.error();
    }
    auto hash = HashPassword(*password);
    if (!hash) {
      return hash.error();
    }
    password_hash = *hash;
  }

  StaffUser user;
  Status status = owner_db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    auto org_id = FindOrganization(txn, org_slug);
    if (!org_id) {
      return org_id.error();
    }
    const pqxx::result inserted = txn.exec_params(
        "INSERT INTO staff_users (org_id, email, name, role, password_hash) "
        "VALUES ($1, $2, $3, $4, NULLIF($5, '')) "
        "ON CONFLICT (org_id, email) DO NOTHING RETURNING id",
        *org_id, normalized_email, std::string(name), StaffRoleName(role), password_hash);
    if (inserted.empty()) {
      const pqxx::result existing = txn.exec_params(
          "SELECT id, role FROM staff_users WHERE org_id = $1 AND email = $2", *org_id,
          normalized_email);
      const std::string existing_role = existing[0][1].as<std::string>();
      if (!exists_ok || existing_role != StaffRoleName(role)) {
        return Conflict(fmt::format("staff user {} already exists in \"{}\" with role {}",
                                    normalized_email, org_slug, existing_role));
      }
      user = {*org_id, existing[0][0].as<std::int64_t>(), normalized_email, role, false};
      return {};
    }
    user = {*org_id, inserted[0][0].as<std::int64_t>(), normalized_email, role, true};
    WriteAudit(txn, *org_id, "staff_user.create", "staff_user", user.id);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return user;
}

Result<NewApiToken> CreateApiToken(Database& owner_db, std::string_view org_slug,
                                   std::string_view email, int expires_in_days,
                                   std::string_view name, const Clock& clock) {
  if (expires_in_days < 1 || expires_in_days > 366) {
    return InvalidArgument(fmt::format(
        "--expires-in must be a number of days from 1 to 366, got {}", expires_in_days));
  }
  NewApiToken token;
  token.secret = NewSecret(kApiTokenPrefix);
  token.expires_at = clock.Now() + static_cast<std::int64_t>(expires_in_days) * 86400 * 1000;

  Status status = owner_db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    auto org_id = FindOrganization(txn, org_slug);
    if (!org_id) {
      return org_id.error();
    }
    const pqxx::result user = txn.exec_params(
        "SELECT id FROM staff_users WHERE org_id = $1 AND email = $2", *org_id,
        Lowercase(email));
    if (user.empty()) {
      return NotFound(fmt::format(
          "staff user {} not found in \"{}\"; create it with `examctl admin user create`", email,
          org_slug));
    }
    const pqxx::result inserted = txn.exec_params(
        "INSERT INTO api_tokens (org_id, user_id, token_hash, name, expires_at) "
        "VALUES ($1, $2, decode($3, 'hex'), $4, to_timestamp($5::double precision / 1000)) "
        "RETURNING id",
        *org_id, user[0][0].as<std::int64_t>(), SecretHashHex(token.secret), std::string(name),
        token.expires_at);
    token.id = inserted[0][0].as<std::int64_t>();
    WriteAudit(txn, *org_id, "api_token.create", "api_token", token.id);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return token;
}

}  // namespace exam
