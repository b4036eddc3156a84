#include "exam/exam_store.h"

#include <fmt/format.h>

#include <pqxx/pqxx>

#include "exam/time.h"

namespace exam {
namespace {

using nlohmann::json;

constexpr const char* kExamColumns =
    "id, slug, title, language, duration_minutes, "
    "(extract(epoch FROM opens_at) * 1000)::bigint, (extract(epoch FROM closes_at) * 1000)::bigint, "
    "state, (extract(epoch FROM created_at) * 1000)::bigint, "
    "(SELECT count(*) FROM questions q WHERE q.org_id = e.org_id AND q.exam_id = e.id), "
    "(SELECT count(*) FROM roster_entries r WHERE r.org_id = e.org_id AND r.exam_id = e.id)";

json OptionalTime(const pqxx::field& field) {
  return field.is_null() ? json() : json(FormatRfc3339(field.as<std::int64_t>()));
}

json ExamRowToJson(const pqxx::row& row) {
  return {
      {"id", row[0].as<std::int64_t>()},
      {"slug", row[1].as<std::string>()},
      {"title", row[2].as<std::string>()},
      {"language", row[3].as<std::string>()},
      {"duration_minutes", row[4].as<int>()},
      {"opens_at", OptionalTime(row[5])},
      {"closes_at", OptionalTime(row[6])},
      {"state", row[7].as<std::string>()},
      {"created_at", FormatRfc3339(row[8].as<std::int64_t>())},
      {"question_count", row[9].as<int>()},
      {"roster_count", row[10].as<int>()},
  };
}

Error ExamNotFound(std::string_view exam_ref) {
  return NotFound(fmt::format(
      "exam \"{}\" not found; `examctl exam list` shows the exams you can see", exam_ref));
}

}  // namespace

Result<json> CreateExam(Database& db, const StaffPrincipal& staff, const ExamSpec& spec) {
  if (staff.role == StaffRole::kTa) {
    return Error{ErrorCode::kForbidden, "a TA cannot create exams; ask an instructor"};
  }
  if (Status valid = ValidateExamSpec(spec); !valid) {
    return valid.error();
  }
  json exam;
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    // The exam limit counts exams that are not closed; the advisory lock
    // keeps concurrent creations from overshooting it.
    txn.exec_params("SELECT pg_advisory_xact_lock(hashtext('exam.exams'), $1::integer)",
                    staff.org_id);
    const pqxx::row limit = txn.exec_params1(
        "SELECT o.exam_limit, (SELECT count(*) FROM exams e WHERE e.org_id = o.id "
        "                        AND e.state <> 'closed') "
        "  FROM organizations o WHERE o.id = $1",
        staff.org_id);
    if (limit[1].as<std::int64_t>() >= limit[0].as<std::int64_t>()) {
      const std::int64_t exam_limit = limit[0].as<std::int64_t>();
      return Conflict(fmt::format(
          "the organization's plan allows {} {} that {} not closed; close one or ask the "
          "operator to raise the limit",
          exam_limit, exam_limit == 1 ? "exam" : "exams", exam_limit == 1 ? "is" : "are"));
    }

    const pqxx::result taken = txn.exec_params(
        "SELECT id FROM exams WHERE org_id = $1 AND slug = $2", staff.org_id, spec.slug);
    if (!taken.empty()) {
      return Conflict(fmt::format(
          "an exam with slug \"{}\" already exists (id {}); change \"slug\" in exam.json",
          spec.slug, taken[0][0].as<std::int64_t>()));
    }
    const pqxx::result inserted = txn.exec_params(
        "INSERT INTO exams (org_id, slug, title, language, duration_minutes, opens_at, closes_at, "
        "                   owner_id) "
        "VALUES ($1, $2, $3, $4, $5, "
        "        to_timestamp(NULLIF($6, '')::double precision / 1000), "
        "        to_timestamp(NULLIF($7, '')::double precision / 1000), $8) "
        "RETURNING id",
        staff.org_id, spec.slug, spec.title, spec.language, spec.duration_minutes,
        spec.opens_at ? std::to_string(*spec.opens_at) : std::string(),
        spec.closes_at ? std::to_string(*spec.closes_at) : std::string(), staff.user_id);
    const std::int64_t exam_id = inserted[0][0].as<std::int64_t>();

    int position = 1;
    for (const QuestionSpec& question : spec.questions) {
      txn.exec_params(
          "INSERT INTO questions (org_id, exam_id, key, position, title, prompt_md, starter, tests) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          staff.org_id, exam_id, question.key, position++, question.title, question.prompt_md,
          question.starter, question.tests);
    }
    txn.exec_params(
        "INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id) "
        "VALUES ($1, 'staff', $2, 'exam.create', 'exam', $3)",
        staff.org_id, staff.user_id, exam_id);

    const pqxx::result row = txn.exec_params(
        fmt::format("SELECT {} FROM exams e WHERE org_id = $1 AND id = $2", kExamColumns),
        staff.org_id, exam_id);
    exam = ExamRowToJson(row[0]);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return exam;
}

Result<json> ListExams(Database& db, const StaffPrincipal& staff) {
  json exams = json::array();
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        fmt::format("SELECT {} FROM exams e WHERE org_id = $1 "
                    "  AND ($2::boolean OR owner_id = $3::bigint OR EXISTS ("
                    "       SELECT 1 FROM exam_staff x WHERE x.org_id = $1 AND x.exam_id = e.id "
                    "          AND x.user_id = $3::bigint)) "
                    "ORDER BY created_at DESC, id DESC",
                    kExamColumns),
        staff.org_id, staff.role == StaffRole::kAdmin, staff.user_id);
    for (const pqxx::row& row : rows) {
      exams.push_back(ExamRowToJson(row));
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return exams;
}

Result<std::int64_t> FindExamId(Database& db, const StaffPrincipal& staff,
                                std::string_view exam_ref) {
  std::int64_t exam_id = 0;
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        fmt::format("SELECT id FROM exams WHERE {}", internal::kExamByRef), staff.org_id,
        std::string(exam_ref), staff.role == StaffRole::kAdmin, staff.user_id);
    if (rows.empty()) {
      return ExamNotFound(exam_ref);
    }
    exam_id = rows[0][0].as<std::int64_t>();
    return {};
  });
  if (!status) {
    return status.error();
  }
  return exam_id;
}

Result<json> GetExam(Database& db, const StaffPrincipal& staff, std::string_view exam_ref) {
  json exam;
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        fmt::format("SELECT {} FROM exams e WHERE {}", kExamColumns, internal::kExamByRef),
        staff.org_id, std::string(exam_ref), staff.role == StaffRole::kAdmin,
        staff.user_id);
    if (rows.empty()) {
      return ExamNotFound(exam_ref);
    }
    exam = ExamRowToJson(rows[0]);
    exam["questions"] = json::array();
    const pqxx::result questions = txn.exec_params(
        "SELECT key, title, prompt_md, starter, tests FROM questions "
        "WHERE org_id = $1 AND exam_id = $2 ORDER BY position",
        staff.org_id, exam["id"].get<std::int64_t>());
    for (const pqxx::row& question : questions) {
      exam["questions"].push_back({{"key", question[0].as<std::string>()},
                                   {"title", question[1].as<std::string>()},
                                   {"prompt_md", question[2].as<std::string>()},
                                   {"starter", question[3].as<std::string>()},
                                   {"tests", question[4].as<std::string>()}});
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return exam;
}

Result<json> PublishExam(Database& db, const StaffPrincipal& staff, std::string_view exam_ref) {
  json exam;
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result rows = txn.exec_params(
        fmt::format("SELECT id, state FROM exams WHERE {} FOR UPDATE", internal::kExamByRef),
        staff.org_id, std::string(exam_ref), staff.role == StaffRole::kAdmin,
        staff.user_id);
    if (rows.empty()) {
      return ExamNotFound(exam_ref);
    }
    if (staff.role == StaffRole::kTa) {
      return Error{ErrorCode::kForbidden, "a TA cannot publish exams; ask an instructor"};
    }
    const std::int64_t exam_id = rows[0][0].as<std::int64_t>();
    const std::string state = rows[0][1].as<std::string>();
    if (state == "closed") {
      return Conflict(fmt::format("exam \"{}\" is closed and cannot be published again", exam_ref));
    }
    if (state == "draft") {
      txn.exec_params(
          "UPDATE exams SET state = 'published', published_at = now() "
          "WHERE org_id = $1 AND id = $2",
          staff.org_id, exam_id);
      txn.exec_params(
          "INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id) "
          "VALUES ($1, 'staff', $2, 'exam.publish', 'exam', $3)",
          staff.org_id, staff.user_id, exam_id);
    }
    const pqxx::result row = txn.exec_params(
        fmt::format("SELECT {} FROM exams e WHERE org_id = $1 AND id = $2", kExamColumns),
        staff.org_id, exam_id);
    exam = ExamRowToJson(row[0]);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return exam;
}

Result<json> AssignExamStaff(Database& db, const StaffPrincipal& staff, std::string_view exam_ref,
                             std::string_view email, std::string_view role) {
  if (role != "instructor" && role != "ta") {
    return InvalidArgument(fmt::format("role must be \"instructor\" or \"ta\", got \"{}\"", role));
  }
  json assignment;
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result exam = txn.exec_params(
        fmt::format("SELECT id FROM exams WHERE {}", internal::kExamByRef), staff.org_id,
        std::string(exam_ref), staff.role == StaffRole::kAdmin, staff.user_id);
    if (exam.empty()) {
      return ExamNotFound(exam_ref);
    }
    if (staff.role == StaffRole::kTa) {
      return Error{ErrorCode::kForbidden, "a TA cannot assign staff; ask an instructor"};
    }
    const pqxx::result user = txn.exec_params(
        "SELECT id, role FROM staff_users WHERE org_id = $1 AND email = lower($2)", staff.org_id,
        std::string(email));
    if (user.empty()) {
      return NotFound(fmt::format(
          "staff user {} not found in this organization; an operator creates staff users", email));
    }
    if (role == "instructor" && user[0][1].as<std::string>() == "ta") {
      return InvalidArgument(fmt::format("{} is a TA and cannot be an exam's instructor", email));
    }
    const std::int64_t exam_id = exam[0][0].as<std::int64_t>();
    const std::int64_t user_id = user[0][0].as<std::int64_t>();
    txn.exec_params(
        "INSERT INTO exam_staff (org_id, exam_id, user_id, role) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (org_id, exam_id, user_id) DO UPDATE SET role = EXCLUDED.role",
        staff.org_id, exam_id, user_id, std::string(role));
    txn.exec_params(
        "INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id, "
        "                       detail) "
        "VALUES ($1, 'staff', $2, 'exam.staff_assign', 'exam', $3, $4::jsonb)",
        staff.org_id, staff.user_id, exam_id,
        json({{"user_id", user_id}, {"role", std::string(role)}}).dump());
    assignment = {{"exam_id", exam_id}, {"user_id", user_id}, {"email", std::string(email)},
                  {"role", std::string(role)}};
    return {};
  });
  if (!status) {
    return status.error();
  }
  return assignment;
}

}  // namespace exam
