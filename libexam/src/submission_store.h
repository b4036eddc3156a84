// Storing an exam session's submission, each question's text replayed from
// the stored events, inside the caller's tenant transaction. Ingestion
// stores it once the submit event is acknowledged, and the timeout sweep
// (exam/session_timeout.h) once the deadline plus grace passed without one.
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/event_store.h"
#include "exam/time.h"

namespace exam {

// Stores each question's text replayed from the edits and snapshots with
// seq < `before_seq`, replacing the session's earlier submission, if any,
// and sets the session's ended_by and submitted_at: `now` for a submit, the
// session's deadline for a timeout. Returns an error, having written
// nothing, when a stored event cannot be read back.
Status StoreSubmission(pqxx::transaction_base& txn, OrgId org_id, std::int64_t session_id,
                       std::int64_t exam_id, std::int64_t before_seq, SessionEnd ended_by,
                       UnixMillis now);

// Signs the session's chain head, which covers the events up to `acked_seq`,
// and stores the signature in submit_signature.
void SignSubmittedHead(pqxx::transaction_base& txn, OrgId org_id, std::int64_t session_id,
                       std::int64_t acked_seq, const HeadSigner& sign);

// Writes `action` on the exam session to the audit log, by the session's
// student when `by_student` is true and by the system otherwise.
void AuditSession(pqxx::transaction_base& txn, OrgId org_id, std::int64_t session_id,
                  std::string_view action, bool by_student,
                  const nlohmann::json& detail = nlohmann::json::object());

}  // namespace exam
