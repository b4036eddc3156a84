// Ending exam sessions that time out. When a session's deadline plus the
// ingestion grace period (kDeadlineGraceMs) passes without a submission, it
// gets one from its stored events, as a submit would. Each question's text is
// replayed up to acked_seq, submitted_at is the deadline, ended_by is
// "timeout", and the chain head is signed. examd runs this in the background
// (server/timeout_sweeper.h). Several threads or servers may run it at once,
// because each session row is locked as ingestion locks it and a session
// that has its submission is left alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/event_store.h"
#include "exam/time.h"

namespace exam {

struct TimeoutSweepOptions {
  std::size_t batch_size = 100;  // exam sessions ended in one transaction at most; at least 1
  // Checked between transactions; returning true ends the sweep early, and
  // the next sweep ends the sessions left.
  std::function<bool()> stop_requested = nullptr;
};

// A session or a whole transaction that the sweep could not end.
struct TimeoutFailure {
  OrgId org_id = 0;
  std::int64_t session_id = 0;  // 0 when the whole transaction failed
  Error error;
};

struct TimeoutSweepResult {
  std::size_t organizations = 0;   // organizations that had timed-out sessions
  std::size_t sessions_ended = 0;  // sessions that got their submission now
  std::vector<TimeoutFailure> failures;
};

// Ends every exam session whose deadline lies more than kDeadlineGraceMs
// before `now` and that has no submission. It finds the organizations with
// such sessions through a SECURITY DEFINER function, then works through
// each organization's sessions in id order with app.org_id set, in
// transactions of options.batch_size sessions. A session that another
// transaction has locked (an event batch being stored) is skipped and left
// for the next sweep. A failure is recorded and the sweep goes on with the
// next session or organization. Fails only when the organizations cannot be
// listed, or for a batch_size of 0.
Result<TimeoutSweepResult> EndTimedOutSessions(Database& db, UnixMillis now, const HeadSigner& sign,
                                               const TimeoutSweepOptions& options = {});

}  // namespace exam
