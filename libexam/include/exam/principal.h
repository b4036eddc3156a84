// Who is making a request, once a credential has been checked. Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "exam/database.h"

namespace exam {

enum class StaffRole { kAdmin, kInstructor, kTa };

const char* StaffRoleName(StaffRole role);
std::optional<StaffRole> StaffRoleFromName(std::string_view name);

// A staff member acting through an API token.
struct StaffPrincipal {
  OrgId org_id = 0;
  std::int64_t user_id = 0;
  StaffRole role = StaffRole::kTa;
  std::int64_t token_id = 0;
};

// A student's page acting for one exam session.
struct StudentPrincipal {
  OrgId org_id = 0;
  std::int64_t session_id = 0;
};

}  // namespace exam
