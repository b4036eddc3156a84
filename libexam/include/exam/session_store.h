// Exam sessions: a student joining through an invite, the state a page needs
// to continue (on any device), and the staff's list of sessions of an exam.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/principal.h"
#include "exam/time.h"

namespace exam {

// Starts the exam session of the invite's roster entry, or finds the one
// already started, and issues a new session token. The deadline is computed
// once, at start: start + duration + extra minutes, cut at the exam's
// closes_at. Fails with kNotFound for an unknown invite and kConflict when
// the exam is not published, not open yet, or closed. Returns the body of
// POST /api/student/join (docs/api.md).
Result<nlohmann::json> JoinExam(Database& db, std::string_view invite, const Clock& clock);

// Returns the body of GET /api/student/state: the session, the exam and each
// question's text replayed from the stored events.
Result<nlohmann::json> GetSessionState(Database& db, const StudentPrincipal& student,
                                       const Clock& clock);

// Lists the exam's roster entries with their exam session, if started. Each
// entry's state is not_started, in_progress, submitted (ended by its submit)
// or timed_out (ended by its deadline, exam/session_timeout.h).
Result<nlohmann::json> ListSessions(Database& db, const StaffPrincipal& staff,
                                    std::string_view exam_ref);

}  // namespace exam
