// Fuzzes the JSON form of an exam (the body of POST /api/exams) and the
// RFC 3339 times in it.
//
// Checks:
// - ExamSpecFromJson on the input parsed as JSON either fails with
//   invalid_argument and a message or returns an exam that ValidateExamSpec
//   accepts and that survives ExamSpecToJson and ExamSpecFromJson unchanged;
// - ParseRfc3339 on the raw input, when it succeeds, gives a time that
//   FormatRfc3339 writes as text that ParseRfc3339 reads back to that time.
// Inputs that are not valid JSON only reach ParseRfc3339.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "exam/exam_spec.h"
#include "exam/time.h"
#include "fuzz_check.h"

namespace {

using nlohmann::json;

bool SameQuestion(const exam::QuestionSpec& a, const exam::QuestionSpec& b) {
  return a.key == b.key && a.title == b.title && a.prompt_md == b.prompt_md &&
         a.starter == b.starter && a.tests == b.tests;
}

bool SameExam(const exam::ExamSpec& a, const exam::ExamSpec& b) {
  if (a.title != b.title || a.slug != b.slug || a.language != b.language ||
      a.duration_minutes != b.duration_minutes || a.opens_at != b.opens_at ||
      a.closes_at != b.closes_at || a.questions.size() != b.questions.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.questions.size(); ++i) {
    if (!SameQuestion(a.questions[i], b.questions[i])) {
      return false;
    }
  }
  return true;
}

void CheckExamSpec(std::string_view text) {
  json object;
  try {
    object = json::parse(text);
  } catch (const json::exception&) {
    return;  // not JSON: the server rejects such a body before ExamSpecFromJson
  }

  auto spec = exam::ExamSpecFromJson(object);
  if (!spec.ok()) {
    FUZZ_CHECK(spec.error().code == exam::ErrorCode::kInvalidArgument,
               "ExamSpecFromJson failed with a code other than invalid_argument");
    FUZZ_CHECK(!spec.error().message.empty(), "ExamSpecFromJson failed without a message");
    return;
  }

  FUZZ_CHECK(exam::ValidateExamSpec(*spec).ok(), "an accepted exam fails ValidateExamSpec");
  FUZZ_CHECK(exam::IsValidSlug(spec->slug), "an accepted exam has an invalid slug");
  FUZZ_CHECK(!spec->questions.empty() && spec->questions.size() <= exam::kMaxQuestions,
             "question count out of range");

  // Throws on invalid UTF-8, which an accepted exam must not contain.
  const json written = exam::ExamSpecToJson(*spec);
  const std::string dumped = written.dump(-1, ' ', false, json::error_handler_t::strict);

  auto again = exam::ExamSpecFromJson(json::parse(dumped));
  FUZZ_CHECK(again.ok(), "ExamSpecToJson output is rejected by ExamSpecFromJson");
  FUZZ_CHECK(SameExam(*spec, *again), "exam changes through ExamSpecToJson and back");
}

void CheckTime(std::string_view text) {
  const std::optional<exam::UnixMillis> time = exam::ParseRfc3339(text);
  if (!time) {
    return;
  }
  const std::string formatted = exam::FormatRfc3339(*time);
  const std::optional<exam::UnixMillis> again = exam::ParseRfc3339(formatted);
  FUZZ_CHECK(again.has_value(), "ParseRfc3339 rejects FormatRfc3339 output");
  FUZZ_CHECK(*again == *time, "time changes through FormatRfc3339 and back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckExamSpec(text);
  CheckTime(text);
  return 0;
}
