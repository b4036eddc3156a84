// Routes for the platform operator, who is outside every organization: list
// the organizations with their plans and usage, and set a plan. They accept
// only an operator credential (Authorization: Bearer eop_...), never an API
// token or a login session cookie.
#include <fmt/format.h>

#include "exam/operator.h"
#include "http_util.h"
#include "routes.h"

namespace examd {

using nlohmann::json;

namespace {

constexpr std::int64_t kMaxLimit = 1000000;

struct PlanRequest {
  std::optional<int> seat_limit;
  std::optional<int> exam_limit;
};

// Parses {"seat_limit": N, "exam_limit": N}; either field may be left out.
exam::Result<PlanRequest> ParsePlanRequest(const httplib::Request& req) {
  auto body = ReadJsonBody(req);
  if (!body) {
    return body.error();
  }
  if (!body->is_object()) {
    return exam::InvalidArgument(
        "the request body must be a JSON object with \"seat_limit\", \"exam_limit\" or both");
  }
  PlanRequest plan;
  for (const auto& [field, value] : body->items()) {
    std::optional<int>* target = field == "seat_limit"   ? &plan.seat_limit
                                 : field == "exam_limit" ? &plan.exam_limit
                                                         : nullptr;
    if (!target) {
      return exam::InvalidArgument(fmt::format(
          "field \"{}\" cannot be set; the fields are seat_limit and exam_limit", field));
    }
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
        value.get<std::int64_t>() > kMaxLimit) {
      return exam::InvalidArgument(fmt::format("{} must be an integer from 0 to {}, got {}",
                                               field, kMaxLimit, value.dump()));
    }
    *target = static_cast<int>(value.get<std::int64_t>());
  }
  return plan;
}

void SetPlan(ServerContext& context, const httplib::Request& req, httplib::Response& res,
             const Caller& caller) {
  auto plan = ParsePlanRequest(req);
  if (!plan) {
    return ReplyError(res, plan.error(), context.log);
  }
  auto changed = exam::SetPlanAsOperator(context.db, *caller.platform_operator,
                                         req.matches[1].str(), plan->seat_limit, plan->exam_limit);
  if (!changed) {
    return ReplyError(res, changed.error(), context.log);
  }
  CurrentRequest().org_id = std::to_string((*changed)["id"].get<std::int64_t>());
  ReplyJson(res, 200, *changed);
}

}  // namespace

std::vector<Route> OperatorRoutes(ServerContext& context) {
  return {
      {"GET", "/api/operator/organizations", "/api/operator/organizations", Access::kOperator, {},
       [&context](const httplib::Request&, httplib::Response& res, const Caller& caller) {
         auto listed = exam::ListOrganizationsAsOperator(context.db, *caller.platform_operator);
         if (!listed) {
           return ReplyError(res, listed.error(), context.log);
         }
         ReplyJson(res, 200, *listed);
       }},
      {"POST", "/api/operator/organizations/([a-z0-9-]{1,64})/plan",
       "/api/operator/organizations/{org}/plan", Access::kOperator, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         SetPlan(context, req, res, caller);
       }},
  };
}

}  // namespace examd
