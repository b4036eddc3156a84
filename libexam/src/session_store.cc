#include "exam/session_store.h"

#include <fmt/format.h>

#include <map>
#include <pqxx/pqxx>

#include "exam/auth.h"
#include "exam/crypto.h"
#include "exam/event.h"
#include "exam/exam_store.h"
#include "exam/replay.h"
#include "replay_events.h"

namespace exam {
namespace {

using nlohmann::json;

json OptionalTime(const pqxx::field& field) {
  return field.is_null() ? json() : json(FormatRfc3339(field.as<std::int64_t>()));
}

json OptionalText(const pqxx::field& field) {
  return field.is_null() ? json() : json(field.as<std::string>());
}

// Loads the session, its exam and questions, and replays the stored edits up
// to acked_seq, inside the caller's tenant transaction.
Result<json> BuildSessionState(pqxx::transaction_base& txn, OrgId org_id, std::int64_t session_id,
                               const Clock& clock) {
  const pqxx::result session = txn.exec_params(
      "SELECT s.id, r.student_id, r.name, "
      "       (extract(epoch FROM s.started_at) * 1000)::bigint, "
      "       (extract(epoch FROM s.deadline) * 1000)::bigint, "
      "       (extract(epoch FROM s.submitted_at) * 1000)::bigint, s.acked_seq, s.exam_id, "
      "       e.title, e.language, e.duration_minutes, s.ended_by "
      "  FROM exam_sessions s "
      "  JOIN roster_entries r ON r.org_id = s.org_id AND r.id = s.roster_entry_id "
      "  JOIN exams e ON e.org_id = s.org_id AND e.id = s.exam_id "
      " WHERE s.org_id = $1 AND s.id = $2",
      org_id, session_id);
  if (session.empty()) {
    return NotFound("the exam session no longer exists; ask the exam's staff");
  }
  const pqxx::row& row = session[0];
  const std::int64_t acked_seq = row[6].as<std::int64_t>();
  const std::int64_t exam_id = row[7].as<std::int64_t>();

  json state;
  state["session"] = {
      {"id", row[0].as<std::int64_t>()},
      {"student_id", row[1].as<std::string>()},
      {"name", row[2].as<std::string>()},
      {"started_at", FormatRfc3339(row[3].as<std::int64_t>())},
      {"deadline", FormatRfc3339(row[4].as<std::int64_t>())},
      {"submitted_at", OptionalTime(row[5])},
      {"ended_by", OptionalText(row[11])},
      {"server_time", FormatRfc3339(clock.Now())},
      {"acked_seq", acked_seq},
      {"next_seq", acked_seq + 1},
  };
  state["exam"] = {{"title", row[8].as<std::string>()},
                   {"language", row[9].as<std::string>()},
                   {"duration_minutes", row[10].as<int>()},
                   {"questions", json::array()}};

  std::map<std::string, std::string> starters;
  const pqxx::result questions = txn.exec_params(
      "SELECT key, title, prompt_md, starter, tests FROM questions "
      "WHERE org_id = $1 AND exam_id = $2 ORDER BY position",
      org_id, exam_id);
  for (const pqxx::row& question : questions) {
    const std::string key = question[0].as<std::string>();
    starters[key] = question[3].as<std::string>();
    state["exam"]["questions"].push_back({{"key", key},
                                          {"title", question[1].as<std::string>()},
                                          {"prompt_md", question[2].as<std::string>()},
                                          {"starter", starters[key]},
                                          {"tests", question[4].as<std::string>()}});
  }

  Replayer replayer(starters);
  auto events = LoadReplayEvents(txn, org_id, session_id, acked_seq + 1);
  if (!events) {
    return events.error();
  }
  replayer.ApplyAll(*events);
  state["texts"] = replayer.Texts();
  state["replay"] = {{"failed_edits", replayer.failed_edits()},
                     {"mismatched_snapshots", replayer.mismatched_snapshots()}};
  return state;
}

}  // namespace

Result<json> JoinExam(Database& db, std::string_view invite, const Clock& clock) {
  const bool well_formed = invite.size() == kInvitePrefix.size() + 43 &&
                           invite.substr(0, kInvitePrefix.size()) == kInvitePrefix;
  if (!well_formed) {
    return NotFound("this invite link is not valid; check that the whole link was copied");
  }

  OrgId org_id = 0;
  std::int64_t roster_entry_id = 0;
  std::int64_t exam_id = 0;
  Status status = db.WithoutTenant([&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT org_id, exam_id, roster_entry_id FROM resolve_invite(decode($1, 'hex'))",
        SecretHashHex(invite));
    if (rows.empty()) {
      return NotFound("this invite link is not valid; check that the whole link was copied");
    }
    org_id = rows[0][0].as<OrgId>();
    exam_id = rows[0][1].as<std::int64_t>();
    roster_entry_id = rows[0][2].as<std::int64_t>();
    return {};
  });
  if (!status) {
    return status.error();
  }

  // The first transaction finds or starts the exam session. Starting one
  // takes a seat, and concurrent starts in an organization take turns on the
  // lock of its seat counter. So this transaction is kept short, and the
  // session token and the state are written and read in a second one.
  const UnixMillis now = clock.Now();
  std::int64_t session_id = 0;
  status = db.InTenant(org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result exam = txn.exec_params(
        "SELECT e.state, (extract(epoch FROM e.opens_at) * 1000)::bigint, "
        "       (extract(epoch FROM e.closes_at) * 1000)::bigint, "
        "       (SELECT s.id FROM exam_sessions s "
        "         WHERE s.org_id = e.org_id AND s.roster_entry_id = $3) "
        "  FROM exams e WHERE e.org_id = $1 AND e.id = $2",
        org_id, exam_id, roster_entry_id);
    const std::string exam_state = exam[0][0].as<std::string>();
    if (exam_state == "draft") {
      return Conflict("this exam has not been published yet; try again when your instructor says so");
    }
    if (!exam[0][3].is_null()) {
      session_id = exam[0][3].as<std::int64_t>();
      return {};
    }
    if (exam_state == "closed") {
      return Conflict("this exam is closed");
    }
    if (!exam[0][1].is_null() && now < exam[0][1].as<std::int64_t>()) {
      return Conflict(fmt::format("this exam opens at {}",
                                  FormatRfc3339(exam[0][1].as<std::int64_t>())));
    }
    if (!exam[0][2].is_null() && now >= exam[0][2].as<std::int64_t>()) {
      return Conflict(fmt::format("this exam closed at {}",
                                  FormatRfc3339(exam[0][2].as<std::int64_t>())));
    }
    // A seat: seat_counters holds an upper bound of the organization's open
    // exam sessions, and its row lock makes concurrent starts take turns.
    // Only when the bound passes the limit are the open sessions counted.
    const pqxx::row seats = txn.exec_params1(
        "WITH counter AS ("
        "  INSERT INTO seat_counters (org_id, counted) VALUES ($1, 1) "
        "  ON CONFLICT (org_id) DO UPDATE SET counted = seat_counters.counted + 1 "
        "  RETURNING counted) "
        "SELECT counter.counted, o.seat_limit FROM counter, organizations o WHERE o.id = $1",
        org_id);
    const std::int64_t seat_limit = seats[1].as<std::int64_t>();
    if (seats[0].as<std::int64_t>() > seat_limit) {
      const std::int64_t open = txn.exec_params1(
          "SELECT count(*) FROM exam_sessions WHERE org_id = $1 AND submitted_at IS NULL "
          "   AND deadline > to_timestamp($2::double precision / 1000)",
          org_id, now)[0].as<std::int64_t>();
      if (open >= seat_limit) {
        return Conflict(fmt::format(
            "the organization's plan allows {} students in an exam at once, and all seats are "
            "taken; ask the exam's staff",
            seat_limit));
      }
      txn.exec_params("UPDATE seat_counters SET counted = $2 WHERE org_id = $1", org_id,
                      open + 1);
    }

    // Concurrent joins of one invite race on the unique key: one inserts, the
    // other reads the winner's row (its seat stays counted until the next
    // exact count).
    const pqxx::row started = txn.exec_params1(
        "WITH inserted AS ("
        "  INSERT INTO exam_sessions (org_id, exam_id, roster_entry_id, started_at, deadline) "
        "  SELECT $1, $2, r.id, to_timestamp($4::double precision / 1000), "
        "         LEAST(to_timestamp($4::double precision / 1000) "
        "               + make_interval(mins => e.duration_minutes + r.extra_minutes), "
        "               e.closes_at) "
        "    FROM roster_entries r JOIN exams e ON e.org_id = r.org_id AND e.id = r.exam_id "
        "   WHERE r.org_id = $1 AND r.id = $3 "
        "  ON CONFLICT (org_id, roster_entry_id) DO NOTHING RETURNING id), "
        "audited AS ("
        "  INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id) "
        "  SELECT $1, 'student', $3, 'session.start', 'exam_session', id FROM inserted) "
        "SELECT coalesce((SELECT id FROM inserted), "
        "                (SELECT id FROM exam_sessions WHERE org_id = $1 AND roster_entry_id = $3))",
        org_id, exam_id, roster_entry_id, now);
    session_id = started[0].as<std::int64_t>();
    return {};
  });
  if (!status) {
    return status.error();
  }

  json state;
  const std::string session_token = NewSecret(kSessionTokenPrefix);
  status = db.InTenant(org_id, [&](pqxx::transaction_base& txn) -> Status {
    txn.exec_params(
        "INSERT INTO session_tokens (org_id, token_hash, session_id) "
        "VALUES ($1, decode($2, 'hex'), $3)",
        org_id, SecretHashHex(session_token), session_id);
    auto built = BuildSessionState(txn, org_id, session_id, clock);
    if (!built) {
      return built.error();
    }
    state = std::move(*built);
    return {};
  });
  if (!status) {
    return status.error();
  }
  state["session_token"] = session_token;
  return state;
}

Result<json> GetSessionState(Database& db, const StudentPrincipal& student, const Clock& clock) {
  json state;
  Status status = db.InTenant(student.org_id, [&](pqxx::transaction_base& txn) -> Status {
    auto built = BuildSessionState(txn, student.org_id, student.session_id, clock);
    if (!built) {
      return built.error();
    }
    state = std::move(*built);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return state;
}

Result<json> ListSessions(Database& db, const StaffPrincipal& staff, std::string_view exam_ref) {
  json sessions = json::array();
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result exam = txn.exec_params(
        fmt::format("SELECT id FROM exams WHERE {}", internal::kExamByRef), staff.org_id,
        std::string(exam_ref), staff.role == StaffRole::kAdmin,
        staff.user_id);
    if (exam.empty()) {
      return NotFound(fmt::format("exam \"{}\" not found", exam_ref));
    }
    const pqxx::result rows = txn.exec_params(
        "SELECT r.student_id, r.name, r.email, r.extra_minutes, s.id, "
        "       (extract(epoch FROM s.started_at) * 1000)::bigint, "
        "       (extract(epoch FROM s.deadline) * 1000)::bigint, "
        "       (extract(epoch FROM s.submitted_at) * 1000)::bigint, "
        "       COALESCE(s.acked_seq, 0), "
        "       (extract(epoch FROM s.last_event_at) * 1000)::bigint, s.ended_by "
        "  FROM roster_entries r "
        "  LEFT JOIN exam_sessions s ON s.org_id = r.org_id AND s.roster_entry_id = r.id "
        " WHERE r.org_id = $1 AND r.exam_id = $2 "
        " ORDER BY r.student_id",
        staff.org_id, exam[0][0].as<std::int64_t>());
    for (const pqxx::row& row : rows) {
      std::string state = "not_started";
      if (!row[10].is_null()) {
        state = row[10].as<std::string>() == "timeout" ? "timed_out" : "submitted";
      } else if (!row[4].is_null()) {
        state = "in_progress";
      }
      sessions.push_back({
          {"student_id", row[0].as<std::string>()},
          {"name", row[1].as<std::string>()},
          {"email", row[2].as<std::string>()},
          {"extra_minutes", row[3].as<int>()},
          {"session_id", row[4].is_null() ? json() : json(row[4].as<std::int64_t>())},
          {"state", state},
          {"started_at", OptionalTime(row[5])},
          {"deadline", OptionalTime(row[6])},
          {"submitted_at", OptionalTime(row[7])},
          {"ended_by", OptionalText(row[10])},
          {"acked_seq", row[8].as<std::int64_t>()},
          {"last_event_at", OptionalTime(row[9])},
      });
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return sessions;
}

}  // namespace exam
