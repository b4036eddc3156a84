#include "exam/session_timeout.h"

#include <fmt/format.h>

#include <pqxx/pqxx>

#include "submission_store.h"

namespace exam {
namespace {

struct Batch {
  std::size_t locked = 0;  // sessions the batch selected and locked
  std::size_t ended = 0;
  std::int64_t last_session_id = 0;
  std::vector<TimeoutFailure> failures;
};

// Ends, inside `txn`, up to `batch_size` of the organization's sessions that
// have no submission, a deadline more than the grace period before `now` and
// an id above `after_id`. app.org_id must be set to `org_id`.
Batch EndBatch(pqxx::transaction_base& txn, OrgId org_id, UnixMillis now, std::int64_t after_id,
               std::size_t batch_size, const HeadSigner& sign) {
  // FOR UPDATE takes the lock that ingestion takes, so an event batch being
  // stored and the sweep never both store a submission. Under the lock,
  // PostgreSQL checks submitted_at again and skips a session submitted
  // meanwhile. SKIP LOCKED leaves a session being ingested to the next sweep
  // instead of waiting for it.
  const pqxx::result sessions = txn.exec_params(
      "SELECT id, exam_id, acked_seq "
      "  FROM exam_sessions "
      " WHERE org_id = $1 AND submitted_at IS NULL "
      "   AND deadline < to_timestamp($2::double precision / 1000) AND id > $3 "
      " ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED",
      org_id, now - kDeadlineGraceMs, after_id, static_cast<std::int64_t>(batch_size));

  Batch batch;
  batch.locked = sessions.size();
  for (const pqxx::row& session : sessions) {
    const std::int64_t session_id = session[0].as<std::int64_t>();
    const std::int64_t exam_id = session[1].as<std::int64_t>();
    const std::int64_t acked_seq = session[2].as<std::int64_t>();
    batch.last_session_id = session_id;

    // Events above acked_seq come after a gap, so the submission leaves them
    // out, as the session state that a reloaded page restores does.
    if (Status stored = StoreSubmission(txn, org_id, session_id, exam_id, acked_seq + 1,
                                        SessionEnd::kTimeout, now);
        !stored) {
      batch.failures.push_back({org_id, session_id, stored.error()});
      continue;
    }
    AuditSession(txn, org_id, session_id, "session.timeout", false, {{"acked_seq", acked_seq}});
    if (sign) {
      SignSubmittedHead(txn, org_id, session_id, acked_seq, sign);
    }
    ++batch.ended;
  }
  return batch;
}

}  // namespace

Result<TimeoutSweepResult> EndTimedOutSessions(Database& db, UnixMillis now, const HeadSigner& sign,
                                               const TimeoutSweepOptions& options) {
  if (options.batch_size == 0) {
    return InvalidArgument("the timeout sweep's batch size must be at least 1, got 0");
  }
  const UnixMillis deadline_before = now - kDeadlineGraceMs;

  std::vector<OrgId> organizations;
  Status listed = db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    for (const pqxx::row& row :
         txn.exec_params("SELECT org_id FROM organizations_with_timed_out_sessions("
                         "to_timestamp($1::double precision / 1000))",
                         deadline_before)) {
      organizations.push_back(row[0].as<OrgId>());
    }
    return {};
  });
  if (!listed) {
    return listed.error();
  }

  TimeoutSweepResult result;
  result.organizations = organizations.size();
  for (OrgId org_id : organizations) {
    // The id cursor moves past a session that failed, so it cannot hold up
    // the sessions after it in this sweep.
    std::int64_t after_id = 0;
    for (;;) {
      if (options.stop_requested && options.stop_requested()) {
        return result;
      }
      Batch batch;
      Status status = db.InTenant(org_id, [&](pqxx::transaction_base& txn) -> Status {
        batch = EndBatch(txn, org_id, now, after_id, options.batch_size, sign);
        return {};
      });
      if (!status) {
        result.failures.push_back({org_id, 0, status.error()});
        break;
      }
      result.sessions_ended += batch.ended;
      result.failures.insert(result.failures.end(), batch.failures.begin(), batch.failures.end());
      if (batch.locked < options.batch_size) {
        break;
      }
      after_id = batch.last_session_id;
    }
  }
  return result;
}

}  // namespace exam
