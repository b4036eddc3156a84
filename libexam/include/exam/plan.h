// An organization's plan: how many students may be in an exam at once (the
// seat limit) and how many exams it may have that are not closed (the exam
// limit). Only the operator changes a plan. The limits are enforced inside
// the transaction that would exceed them, under a per-organization lock (the
// seat counter's row for seats, an advisory lock for exams), so concurrent
// starts cannot overshoot.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "exam/database.h"
#include "exam/error.h"

namespace exam {

// Sets the seat and/or exam limit of an organization. Runs as the owner role
// and writes an audit record with the old and new limits.
Result<nlohmann::json> SetPlan(Database& owner_db, std::string_view org_slug,
                               std::optional<int> seat_limit, std::optional<int> exam_limit);

}  // namespace exam
