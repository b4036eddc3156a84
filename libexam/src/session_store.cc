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

// Loads the session, its exam and questions, and replays the stored edits up
// to acked_seq, inside the caller's tenant transaction.
Result<json> BuildSessionState(pqxx::transaction_base& txn, OrgId org_id, std::int64_t session_id,
                               const Clock& clock) {
  const pqxx::result session = txn.exec_params(
      "SELECT s.id, r.student_id, r.name, "
      "       (extract(epoch FROM s.started_at) * 1000)::bigint, "
      "       (extract(epoch FROM s.deadline) * 1000)::bigint, "
      "       (extract(epoch FROM s.submitted_at) * 1000)::bigint, s.acked_seq, s.exam_id, "
      "       e.title, e.language, e.duration_minutes "
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

  json state;
  const UnixMillis now = clock.Now();
  const std::string session_token = NewSecret(kSessionTokenPrefix);
  status = db.InTenant(org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result exam = txn.exec_params(
        "SELECT state, (extract(epoch FROM opens_at) * 1000)::bigint, "
        "       (extract(epoch FROM closes_at) * 1000)::bigint, duration_minutes "
        "  FROM exams WHERE org_id = $1 AND id = $2",
        org_id, exam_id);
    const std::string exam_state = exam[0][0].as<std::string>();
    if (exam_state == "draft") {
      return Conflict("this exam has not been published yet; try again when your instructor says so");
    }

    const pqxx::result existing = txn.exec_params(
        "SELECT id FROM exam_sessions WHERE org_id = $1 AND roster_entry_id = $2", org_id,
        roster_entry_id);
    std::int64_t session_id = 0;
    if (!existing.empty()) {
      session_id = existing[0][0].as<std::int64_t>();
    } else {
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
      // The seat limit counts exam sessions open now across the organization.
      // The advisory lock makes concurrent starts take turns, so the count
      // cannot be overshot.
      txn.exec_params("SELECT pg_advisory_xact_lock(hashtext('exam.seats'), $1::integer)",
                      org_id);
      const pqxx::row seats = txn.exec_params1(
          "SELECT o.seat_limit, (SELECT count(*) FROM exam_sessions s WHERE s.org_id = o.id "
          "        AND s.submitted_at IS NULL "
          "        AND s.deadline > to_timestamp($2::double precision / 1000)) "
          "  FROM organizations o WHERE o.id = $1",
          org_id, now);
      if (seats[1].as<std::int64_t>() >= seats[0].as<std::int64_t>()) {
        return Conflict(fmt::format(
            "the organization's plan allows {} students in an exam at once, and all seats are "
            "taken; ask the exam's staff",
            seats[0].as<std::int64_t>()));
      }

      // Concurrent joins of one invite race here; the unique key lets one win
      // and the other reads the winner's row.
      const pqxx::result inserted = txn.exec_params(
          "INSERT INTO exam_sessions (org_id, exam_id, roster_entry_id, started_at, deadline) "
          "SELECT $1, $2, r.id, to_timestamp($4::double precision / 1000), "
          "       LEAST(to_timestamp($4::double precision / 1000) "
          "             + make_interval(mins => e.duration_minutes + r.extra_minutes), "
          "             e.closes_at) "
          "  FROM roster_entries r JOIN exams e ON e.org_id = r.org_id AND e.id = r.exam_id "
          " WHERE r.org_id = $1 AND r.id = $3 "
          "ON CONFLICT (org_id, roster_entry_id) DO NOTHING RETURNING id",
          org_id, exam_id, roster_entry_id, now);
      if (inserted.empty()) {
        const pqxx::result winner = txn.exec_params(
            "SELECT id FROM exam_sessions WHERE org_id = $1 AND roster_entry_id = $2", org_id,
            roster_entry_id);
        session_id = winner[0][0].as<std::int64_t>();
      } else {
        session_id = inserted[0][0].as<std::int64_t>();
        txn.exec_params(
            "INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id) "
            "VALUES ($1, 'student', $2, 'session.start', 'exam_session', $3)",
            org_id, roster_entry_id, session_id);
      }
    }

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
        "       (extract(epoch FROM s.last_event_at) * 1000)::bigint "
        "  FROM roster_entries r "
        "  LEFT JOIN exam_sessions s ON s.org_id = r.org_id AND s.roster_entry_id = r.id "
        " WHERE r.org_id = $1 AND r.exam_id = $2 "
        " ORDER BY r.student_id",
        staff.org_id, exam[0][0].as<std::int64_t>());
    for (const pqxx::row& row : rows) {
      std::string state = "not_started";
      if (!row[7].is_null()) {
        state = "submitted";
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
