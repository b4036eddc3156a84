// Roster entries: the students listed for one exam, each with one invite.
// ParseRosterCsv reads the CSV that instructors keep; ImportRoster stores
// entries and creates invites, whose secrets are returned once and stored
// only as SHA-256.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/principal.h"

namespace exam {

struct RosterRow {
  std::string student_id;  // 1 to 64 characters, unique within the exam
  std::string name;
  std::string email;       // may be empty
  int extra_minutes = 0;   // 0 to 1440, added to the exam's duration
};

inline constexpr std::size_t kMaxRosterRows = 5000;

// Parses CSV with a header row naming the columns student_id, name, email
// and (optional) extra_minutes, in any order. Messages name the line.
Result<std::vector<RosterRow>> ParseRosterCsv(std::string_view text);

// Checks one row; `where` names it in messages (for example "line 4").
Status ValidateRosterRow(const RosterRow& row, std::string_view where);

Result<std::vector<RosterRow>> RosterRowsFromJson(const nlohmann::json& body);

// Adds new entries with new invites and updates the name, email and extra
// minutes of existing ones (their invites stay valid and are not shown again).
// Returns {"entries": [{"student_id", "name", "status": "created"|"updated"|
// "unchanged", "invite": secret for created entries}]}. Fails with kNotFound
// for an exam the caller may not see, then with kForbidden for a TA.
Result<nlohmann::json> ImportRoster(Database& db, const StaffPrincipal& staff,
                                    std::string_view exam_ref, const std::vector<RosterRow>& rows);

}  // namespace exam
