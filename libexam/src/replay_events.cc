#include "replay_events.h"

#include <fmt/format.h>

namespace exam {

Result<std::vector<Event>> LoadReplayEvents(pqxx::transaction_base& txn, OrgId org_id,
                                            std::int64_t session_id, std::int64_t before_seq,
                                            std::int64_t after_seq) {
  const pqxx::result rows = txn.exec_params(
      "SELECT payload::text FROM events "
      "WHERE org_id = $1 AND session_id = $2 AND type IN ('edit', 'snapshot') "
      "  AND seq > $4 AND seq < $3 "
      "ORDER BY seq",
      org_id, session_id, before_seq, after_seq);
  std::vector<Event> events;
  events.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    auto event = EventFromJson(nlohmann::json::parse(row[0].as<std::string>()));
    if (!event) {
      return Internal(fmt::format("a stored event of session {} is invalid: {}", session_id,
                                  event.error().message));
    }
    events.push_back(std::move(*event));
  }
  return events;
}

}  // namespace exam
