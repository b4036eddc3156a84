// An exam as a lecturer writes it: the exam folder on disk (exam.json plus
// one sub-folder per question) and the same content as JSON, which examctl
// sends to examd. Both are checked by ValidateExamSpec, so a broken exam is
// rejected before anything is stored. Value types; safe to copy.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "exam/error.h"
#include "exam/time.h"

namespace exam {

struct QuestionSpec {
  std::string key;        // folder name, [a-z0-9-]{1,64}, unique within the exam
  std::string title;      // the first "# " heading of prompt.md
  std::string prompt_md;  // Markdown shown to the student
  std::string starter;    // starter code (the base code for similarity)
  std::string tests;      // visible self-check tests, run in the browser
};

struct ExamSpec {
  std::string title;
  std::string slug;
  std::string language;  // "python" is the only language so far
  int duration_minutes = 0;
  std::optional<UnixMillis> opens_at;
  std::optional<UnixMillis> closes_at;
  std::vector<QuestionSpec> questions;  // in the order shown to students
};

// Limits that ValidateExamSpec enforces.
inline constexpr std::size_t kMaxQuestionFileBytes = 256 * 1024;
inline constexpr int kMaxDurationMinutes = 1440;
inline constexpr std::size_t kMaxQuestions = 50;

// Reads and validates an exam folder. Error messages name the file, the
// field, the value found and what is expected.
Result<ExamSpec> ReadExamFolder(const std::filesystem::path& folder);

// Converts the JSON form ({"title", ..., "questions": [{"key", "title",
// "prompt_md", "starter", "tests"}]}) and validates it.
Result<ExamSpec> ExamSpecFromJson(const nlohmann::json& json);
nlohmann::json ExamSpecToJson(const ExamSpec& spec);

// Checks every rule of the exam format. Messages name the file that a lecturer
// would edit to fix the problem.
Status ValidateExamSpec(const ExamSpec& spec);

// Returns whether `slug` is 3 to 64 characters of [a-z0-9-], not starting or
// ending with '-'.
bool IsValidSlug(std::string_view slug);

}  // namespace exam
