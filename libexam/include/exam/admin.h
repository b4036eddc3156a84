// Operator actions for `examctl admin`: organizations, staff users and API
// tokens. They run as the owner role (Database::WithoutTenant), so they can
// create rows for any organization, and each writes its audit record in the
// same transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/principal.h"
#include "exam/time.h"

namespace exam {

struct Organization {
  OrgId id = 0;
  std::string slug;
  std::string name;
  bool created = false;  // false when it existed already
};

// Creates an organization. When `exists_ok` and the slug is taken, returns
// the existing one instead of failing with kConflict.
Result<Organization> CreateOrganization(Database& owner_db, std::string_view slug,
                                        std::string_view name, bool exists_ok);

struct StaffUser {
  OrgId org_id = 0;
  std::int64_t id = 0;
  std::string email;
  StaffRole role = StaffRole::kInstructor;
  bool created = false;
};

// Creates a staff user. `password`, when given, is stored as an argon2id hash
// (libsodium crypto_pwhash_str, 64 MiB, 2 passes), must have 12 to 128
// characters and must not be on the list of common passwords.
Result<StaffUser> CreateStaffUser(Database& owner_db, std::string_view org_slug,
                                  std::string_view email, StaffRole role, std::string_view name,
                                  const std::optional<std::string>& password, bool exists_ok);

struct NewApiToken {
  std::int64_t id = 0;
  std::string secret;  // shown once; only its SHA-256 is stored
  UnixMillis expires_at = 0;
};

// Creates an API token for a staff user, valid for `expires_in_days` (1 to 366).
Result<NewApiToken> CreateApiToken(Database& owner_db, std::string_view org_slug,
                                   std::string_view email, int expires_in_days,
                                   std::string_view name, const Clock& clock);

// Hashes a password with argon2id. Fails on a length outside 12 to 128.
Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(const std::string& hash, std::string_view password);

}  // namespace exam
