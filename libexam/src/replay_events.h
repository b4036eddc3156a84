// Loads the events that replay needs (edits and snapshots) of one exam
// session, inside the caller's tenant transaction.
#pragma once

#include <cstdint>
#include <vector>

#include <pqxx/pqxx>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/event.h"

namespace exam {

// Returns the session's edit and snapshot events with `after_seq` < seq <
// `before_seq`, in seq order.
Result<std::vector<Event>> LoadReplayEvents(pqxx::transaction_base& txn, OrgId org_id,
                                            std::int64_t session_id, std::int64_t before_seq,
                                            std::int64_t after_seq = 0);

}  // namespace exam
