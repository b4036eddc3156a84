// API tokens managed by staff through examd: create one for yourself with at
// most your own rights, list yours, revoke one. Each change is written to the
// audit log in the same transaction.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/principal.h"
#include "exam/time.h"

namespace exam {

// Returns whether `role` has no more rights than `limit` (ta < instructor < admin).
bool RoleWithin(StaffRole role, StaffRole limit);

// Creates a token for the caller's own user. `role` defaults to the caller's
// role and may not exceed it; `expires_in_days` is 1 to 366. Returns
// {"id", "token" (shown once), "role", "expires_at"}.
Result<nlohmann::json> CreateOwnApiToken(Database& db, const StaffPrincipal& staff,
                                         std::string_view name, std::optional<StaffRole> role,
                                         int expires_in_days, const Clock& clock);

// Lists the caller's tokens. For an org admin, lists every token of the organization.
Result<nlohmann::json> ListApiTokens(Database& db, const StaffPrincipal& staff);

// Revokes a token of the caller's (any of the organization's for an org
// admin). Revoking twice changes nothing. Fails with kNotFound otherwise.
Result<nlohmann::json> RevokeApiToken(Database& db, const StaffPrincipal& staff,
                                      std::int64_t token_id, const Clock& clock);

// Returns the organization's audit log, newest first: at most `limit` (1 to
// 1000) entries with id below `before_id` (0 for the newest). Org admins only.
Result<nlohmann::json> ListAuditLog(Database& db, const StaffPrincipal& staff, int limit,
                                    std::int64_t before_id);

}  // namespace exam
