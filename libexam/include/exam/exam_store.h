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

// Returns the id of the exam that `exam_ref` (the numeric id or the slug)
// names, if the caller may see it. Fails with kNotFound otherwise, for every
// role, so that a route can look an exam up before it checks the role.
Result<std::int64_t> FindExamId(Database& db, const StaffPrincipal& staff,
                                std::string_view exam_ref);

// Creates a draft exam with its questions. Fails with kConflict when the
// organization already has an exam with that slug, kForbidden for a TA.
Result<nlohmann::json> CreateExam(Database& db, const StaffPrincipal& staff, const ExamSpec& spec);

// Lists the exams the caller may see, newest first: all of the organization's
// for an org admin, else those the caller owns or is assigned to.
Result<nlohmann::json> ListExams(Database& db, const StaffPrincipal& staff);

// Returns one exam with its questions. `exam_ref` is the numeric id or the slug.
Result<nlohmann::json> GetExam(Database& db, const StaffPrincipal& staff, std::string_view exam_ref);

// Moves a draft exam to published; publishing a published exam changes
// nothing. Fails with kNotFound for an exam the caller may not see, then with
// kForbidden for a TA.
Result<nlohmann::json> PublishExam(Database& db, const StaffPrincipal& staff,
                                   std::string_view exam_ref);

namespace internal {
// SQL condition selecting the exam named by parameter $2 (an id or a slug) in
// organization $1, if staff member $4 may read it. $3 is true for an org
// admin, who may read every exam. Others may read the exams they own or are
// assigned to.
// Shared by the storage files that address an exam, so an exam the caller may
// not see is "not found" everywhere.
inline constexpr const char* kExamByRef =
    "org_id = $1 AND CASE WHEN $2 ~ '^[0-9]{1,18}$' THEN id = $2::bigint ELSE slug = $2 END "
    "AND ($3::boolean OR owner_id = $4::bigint OR EXISTS (SELECT 1 FROM exam_staff x "
    "     WHERE x.org_id = $1 AND x.exam_id = id AND x.user_id = $4::bigint))";
}  // namespace internal

// Assigns a staff member of the organization to an exam as "instructor" or
// "ta", so they see it. Org admins and the exam's instructors may assign.
// Fails with kNotFound for an exam the caller may not see, then with
// kForbidden for a TA.
Result<nlohmann::json> AssignExamStaff(Database& db, const StaffPrincipal& staff,
                                       std::string_view exam_ref, std::string_view email,
                                       std::string_view role);

}  // namespace exam
