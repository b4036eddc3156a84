// Exams and their questions in PostgreSQL, as seen by a staff member of one
// organization. Read functions return the JSON objects that the API sends
// (docs/api.md), because nothing else reads them.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/exam_spec.h"
#include "exam/principal.h"

namespace exam {

// Creates a draft exam with its questions. Fails with kConflict when the
// organization already has an exam with that slug, kForbidden for a TA.
Result<nlohmann::json> CreateExam(Database& db, const StaffPrincipal& staff, const ExamSpec& spec);

// Lists the organization's exams, newest first.
Result<nlohmann::json> ListExams(Database& db, const StaffPrincipal& staff);

// Returns one exam with its questions. `exam_ref` is the numeric id or the slug.
Result<nlohmann::json> GetExam(Database& db, const StaffPrincipal& staff, std::string_view exam_ref);

// Moves a draft exam to published; publishing a published exam changes nothing.
Result<nlohmann::json> PublishExam(Database& db, const StaffPrincipal& staff,
                                   std::string_view exam_ref);

namespace internal {
// SQL condition selecting the exam named by parameter $2 (an id or a slug) in
// organization $1. Shared by the storage files that address an exam.
inline constexpr const char* kExamByRef =
    "org_id = $1 AND CASE WHEN $2 ~ '^[0-9]{1,18}$' THEN id = $2::bigint ELSE slug = $2 END";
}  // namespace internal

}  // namespace exam
