#include "exam/plan.h"

#include <fmt/format.h>

#include <pqxx/pqxx>

namespace exam {

using nlohmann::json;

Result<json> SetPlan(Database& owner_db, std::string_view org_slug, std::optional<int> seat_limit,
                     std::optional<int> exam_limit) {
  if (!seat_limit && !exam_limit) {
    return InvalidArgument("give --seats, --exams or both");
  }
  for (const auto& [name, value] : {std::pair{"--seats", seat_limit}, {"--exams", exam_limit}}) {
    if (value && (*value < 0 || *value > 1000000)) {
      return InvalidArgument(fmt::format("{} must be from 0 to 1000000, got {}", name, *value));
    }
  }
  json plan;
  Status status = owner_db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result before = txn.exec_params(
        "SELECT id, seat_limit, exam_limit FROM organizations WHERE slug = $1 FOR UPDATE",
        std::string(org_slug));
    if (before.empty()) {
      return NotFound(fmt::format("organization \"{}\" not found", org_slug));
    }
    const std::int64_t org_id = before[0][0].as<std::int64_t>();
    const int seats = seat_limit.value_or(before[0][1].as<int>());
    const int exams = exam_limit.value_or(before[0][2].as<int>());
    txn.exec_params("UPDATE organizations SET seat_limit = $2, exam_limit = $3 WHERE id = $1",
                    org_id, seats, exams);
    plan = {{"org", std::string(org_slug)}, {"seat_limit", seats}, {"exam_limit", exams}};
    txn.exec_params(
        "INSERT INTO audit_log (org_id, actor_kind, action, object_kind, object_id, detail) "
        "VALUES ($1, 'operator', 'plan.change', 'organization', $1, $2::jsonb)",
        org_id,
        json({{"seat_limit", {before[0][1].as<int>(), seats}},
              {"exam_limit", {before[0][2].as<int>(), exams}}})
            .dump());
    return {};
  });
  if (!status) {
    return status.error();
  }
  return plan;
}

}  // namespace exam
