// Checking credentials: API tokens (staff, for examctl) and exam session
// tokens (a student's page). Both are random secrets of which only the
// SHA-256 is stored; the look-up runs before the tenant is known, through
// SECURITY DEFINER functions that return ids only.
#pragma once

#include <string_view>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/principal.h"
#include "exam/time.h"

namespace exam {

inline constexpr std::string_view kApiTokenPrefix = "ect_";
inline constexpr std::string_view kInvitePrefix = "inv_";
inline constexpr std::string_view kSessionTokenPrefix = "est_";

// Returns the staff member behind an API token. Fails with kUnauthenticated
// for an unknown, expired or revoked token; the message never repeats the token.
Result<StaffPrincipal> AuthenticateApiToken(Database& db, std::string_view secret,
                                            const Clock& clock);

// Returns the exam session behind a session token.
Result<StudentPrincipal> AuthenticateSessionToken(Database& db, std::string_view secret);

// SHA-256 of a secret as hex, the form passed to SQL's decode(..., 'hex').
std::string SecretHashHex(std::string_view secret);

// Returns whether `secret` is `prefix` followed by 43 base64url characters,
// the form of every secret that NewSecret makes. Anything else is rejected
// before a database round trip.
bool LooksLikeSecret(std::string_view secret, std::string_view prefix);

}  // namespace exam
