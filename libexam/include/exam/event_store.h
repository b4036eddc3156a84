// Storing a student's events and reading them back out for staff.
//
// Ingestion is idempotent: an event already stored with the same content
// changes nothing, and a stored seq sent with other content is recorded in
// event_conflicts and never overwrites the original. acked_seq is the highest
// seq up to which every event is stored. It is returned only after COMMIT, so
// a page may drop acknowledged events from its queue.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/event.h"
#include "exam/principal.h"
#include "exam/time.h"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace exam {

// The way an exam session ended: its submit event was stored, or its deadline
// plus the grace period passed without one (exam/session_timeout.h).
enum class SessionEnd { kSubmit, kTimeout };

// Returns "submit" or "timeout", the value of exam_sessions.ended_by.
const char* SessionEndName(SessionEnd end);

struct IngestResult {
  std::int64_t acked_seq = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> missing;  // inclusive seq ranges not stored
  std::vector<std::int64_t> conflicts;  // seqs stored earlier with other content
  bool submitted = false;               // the exam session has its submission
  std::optional<SessionEnd> ended_by;   // set when `submitted`
};

nlohmann::json IngestResultToJson(const IngestResult& result);

// After the deadline, events keep being accepted for this long; later still,
// only events whose client time is before deadline + grace.
inline constexpr std::int64_t kDeadlineGraceMs = 2 * 60 * 1000;

// Stores a validated batch for the student's exam session. Fails with
// kInvalidArgument when an event names a question the exam does not have, and
// kConflict when the session was submitted and an event comes after the
// submit event. On submit, once every event up to the submit is stored, the
// submission (each question's replayed text) is stored in the same transaction.
//
// A session that ended by timeout still accepts events stamped before its
// deadline plus grace. When they move acked_seq on, its submission is
// replayed again up to the new acked_seq, keeping submitted_at at the
// deadline. When they complete a submit event, the session ends by that
// submit instead, as it would have without the timeout.
//
// Every event that becomes acknowledged extends the session's hash chain in
// seq order (exam/evidence.h). When the submission is stored and `sign` is
// given, the chain head at the end of the submission is signed with it.
using HeadSigner = std::function<std::string(std::string_view message)>;
Result<IngestResult> IngestEvents(Database& db, const StudentPrincipal& student,
                                  const std::vector<Event>& events, const Clock& clock,
                                  const HeadSigner& sign = nullptr);

// Does IngestEvents' work inside `txn` and commits nothing, so that a caller
// can store the batches of several requests in one transaction. REQUIRES:
// `txn` has app.org_id set to student.org_id. On an error the caller must roll
// back what this call did (a savepoint around it does), because earlier
// statements may have run.
Result<IngestResult> IngestEventsInTransaction(pqxx::transaction_base& txn,
                                               const StudentPrincipal& student,
                                               const std::vector<Event>& events, UnixMillis now,
                                               const HeadSigner& sign = nullptr);

// One request's batch in a group.
struct IngestRequest {
  const StudentPrincipal* student = nullptr;
  const std::vector<Event>* events = nullptr;
};

struct IngestGroupResult {
  std::vector<Result<IngestResult>> results;  // one per request, in order
  std::size_t stored_together = 0;            // requests stored by the set-based statements
};

enum class GroupMode {
  kTogether,  // set-based statements for the usual batches
  kEachAlone, // every request under its own savepoint
};

// Stores the batches of many requests, of any organizations, inside `txn` and
// returns one result per request, in order, as IngestEvents would have. A
// failing request leaves nothing behind and does not affect the others. `txn`
// needs no tenant; app.org_id is set for each organization in turn.
//
// With kTogether, the usual batch (the next events of a session that has no
// gap, no submit and no late events) is stored with the others of its
// organization in two statements. Any other batch goes through
// IngestEventsInTransaction under its own savepoint. When one of those two
// statements fails, it throws pqxx::sql_error and `txn` is aborted; the
// caller then runs the group again in a new transaction with kEachAlone.
// Throws what is not an SQL error (a lost connection), after which nothing
// of the group may be committed.
IngestGroupResult IngestGroupInTransaction(pqxx::dbtransaction& txn,
                                           const std::vector<IngestRequest>& requests,
                                           UnixMillis now, const HeadSigner& sign = nullptr,
                                           GroupMode mode = GroupMode::kTogether);

struct EventQuery {
  std::optional<std::int64_t> session_id;  // only this exam session
  std::int64_t after_seq = 0;              // only events with seq > after_seq
  std::int64_t cursor_session = 0;         // resume after (cursor_session, cursor_seq)
  std::int64_t cursor_seq = 0;
  int limit = 1000;                        // 1 to 10,000 events per page
};

// Returns {"events": [...], "next_cursor": "SESSION:SEQ" or null}, ordered by
// (session, seq). Each event is the object the page sent plus session_id,
// student_id, received_at and chain_hash (hex; null beyond acked_seq). The
// last page also carries "chain_heads": [{org_id, session_id, seq, head}]
// for every session it covers, for the caller to sign.
Result<nlohmann::json> PullEvents(Database& db, const StaffPrincipal& staff,
                                  std::string_view exam_ref, const EventQuery& query);

}  // namespace exam
