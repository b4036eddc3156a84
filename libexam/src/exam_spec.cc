#include "exam/exam_spec.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "exam/csv.h"

namespace exam {
namespace {

using nlohmann::json;

const std::set<std::string> kExamJsonFields = {"title",    "slug",      "language", "duration_minutes",
                                               "opens_at", "closes_at", "questions"};
const char* const kQuestionFiles[] = {"prompt.md", "starter.py", "tests.py"};

// Shows a JSON value as the lecturer wrote it, shortened when long.
std::string Shown(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60) {
    text = text.substr(0, 57) + "...";
  }
  return text;
}

Error FieldError(std::string_view field, std::string_view expected, const json& value) {
  return InvalidArgument(
      fmt::format("exam.json: field \"{}\" must be {}, got {}", field, expected, Shown(value)));
}

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > 64) {
    return false;
  }
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

Result<std::string> ReadTextFile(const std::filesystem::path& path, const std::string& shown_name) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return InvalidArgument(fmt::format(
        "{}: missing file; every question folder needs prompt.md, starter.py and tests.py",
        shown_name));
  }
  const auto size = std::filesystem::file_size(path, error);
  if (error) {
    return InvalidArgument(fmt::format("{}: cannot read the file: {}", shown_name, error.message()));
  }
  if (size > kMaxQuestionFileBytes) {
    return InvalidArgument(fmt::format("{}: the file has {} bytes; the limit is {} bytes",
                                       shown_name, size, kMaxQuestionFileBytes));
  }
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    return InvalidArgument(fmt::format("{}: cannot open the file; check its permissions", shown_name));
  }
  std::ostringstream buffer;
  buffer << stream.rdbuf();
  return buffer.str();
}

// Takes the title from the first line of prompt.md, which must be "# Title".
Result<std::string> TitleFromPrompt(const std::string& prompt, const std::string& shown_name) {
  std::string_view first_line(prompt);
  if (first_line.substr(0, 3) == "\xEF\xBB\xBF") {
    first_line.remove_prefix(3);
  }
  first_line = first_line.substr(0, first_line.find('\n'));
  if (!first_line.empty() && first_line.back() == '\r') {
    first_line.remove_suffix(1);
  }
  if (first_line.substr(0, 2) != "# " || first_line.size() < 3) {
    return InvalidArgument(fmt::format(
        "{}: the first line must be a \"# \" heading with the question's title, got \"{}\"",
        shown_name, std::string(first_line.substr(0, 60))));
  }
  return std::string(first_line.substr(2));
}

Status ValidateQuestion(const QuestionSpec& question) {
  const std::pair<const char*, const std::string*> files[] = {
      {"prompt.md", &question.prompt_md},
      {"starter.py", &question.starter},
      {"tests.py", &question.tests},
  };
  for (const auto& [name, text] : files) {
    const std::string shown = question.key + "/" + name;
    if (text->size() > kMaxQuestionFileBytes) {
      return InvalidArgument(fmt::format("{}: the file has {} bytes; the limit is {} bytes", shown,
                                         text->size(), kMaxQuestionFileBytes));
    }
    if (!IsValidUtf8(*text)) {
      return InvalidArgument(fmt::format("{}: the file is not valid UTF-8; save it as UTF-8", shown));
    }
    if (text->find('\0') != std::string::npos) {
      return InvalidArgument(fmt::format("{}: the file contains a NUL byte; is it a text file?", shown));
    }
  }
  const std::size_t title_length = CountCodePoints(question.title);
  if (title_length < 1 || title_length > 200) {
    return InvalidArgument(fmt::format(
        "{}/prompt.md: the title heading must have 1 to 200 characters, got {}", question.key,
        title_length));
  }
  return {};
}

Result<std::optional<UnixMillis>> ReadOptionalTime(const json& object, const char* field) {
  if (!object.contains(field) || object[field].is_null()) {
    return std::optional<UnixMillis>();
  }
  const json& value = object[field];
  const char* expected = "an RFC 3339 time with an offset, such as \"2026-06-01T09:00:00+02:00\"";
  if (!value.is_string()) {
    return FieldError(field, expected, value);
  }
  const std::optional<UnixMillis> time = ParseRfc3339(value.get<std::string>());
  if (!time) {
    return FieldError(field, expected, value);
  }
  return time;
}

// Reads the exam-level fields of exam.json or of the API's JSON form.
Result<ExamSpec> ReadExamFields(const json& object) {
  if (!object.is_object()) {
    return InvalidArgument(fmt::format("exam.json: must be a JSON object, got {}", Shown(object)));
  }
  ExamSpec spec;

  const json& title = object.value("title", json());
  if (!title.is_string()) {
    return FieldError("title", "a string of 1 to 200 characters", title);
  }
  spec.title = title.get<std::string>();

  const json& slug = object.value("slug", json());
  if (!slug.is_string()) {
    return FieldError("slug", "3 to 64 characters of a-z, 0-9 and '-'", slug);
  }
  spec.slug = slug.get<std::string>();

  const json& language = object.value("language", json());
  if (!language.is_string()) {
    return FieldError("language", "\"python\"", language);
  }
  spec.language = language.get<std::string>();

  const json& duration = object.value("duration_minutes", json());
  if (!duration.is_number_integer()) {
    return FieldError("duration_minutes", fmt::format("an integer from 1 to {}", kMaxDurationMinutes),
                      duration);
  }
  const auto minutes = duration.get<std::int64_t>();
  if (minutes < 1 || minutes > kMaxDurationMinutes) {
    return FieldError("duration_minutes", fmt::format("an integer from 1 to {}", kMaxDurationMinutes),
                      duration);
  }
  spec.duration_minutes = static_cast<int>(minutes);

  auto opens_at = ReadOptionalTime(object, "opens_at");
  if (!opens_at) {
    return opens_at.error();
  }
  spec.opens_at = *opens_at;
  auto closes_at = ReadOptionalTime(object, "closes_at");
  if (!closes_at) {
    return closes_at.error();
  }
  spec.closes_at = *closes_at;
  return spec;
}

// Maximum nesting of arrays and objects in the JSON form of an exam, which
// needs 3 levels (exam, questions, question).
constexpr int kMaxJsonDepth = 64;

// Returns whether `value` nests arrays and objects deeper than `max_depth`.
// It walks the value with its own stack, because nlohmann::json copies, dumps
// and compares recursively and would overflow the thread's stack on a value
// nested many thousands of levels deep.
bool NestsDeeperThan(const json& value, int max_depth) {
  std::vector<std::pair<const json*, int>> pending = {{&value, 1}};
  while (!pending.empty()) {
    const auto [item, depth] = pending.back();
    pending.pop_back();
    if (!item->is_structured()) {
      continue;
    }
    if (depth > max_depth) {
      return true;
    }
    for (const json& child : *item) {
      pending.emplace_back(&child, depth + 1);
    }
  }
  return false;
}

}  // namespace

bool IsValidSlug(std::string_view slug) {
  return slug.size() >= 3 && IsValidKey(slug) && slug.front() != '-' && slug.back() != '-';
}

Status ValidateExamSpec(const ExamSpec& spec) {
  if (!IsValidUtf8(spec.title) || spec.title.empty() || CountCodePoints(spec.title) > 200) {
    return FieldError("title", "a string of 1 to 200 characters", spec.title);
  }
  if (!IsValidSlug(spec.slug)) {
    return FieldError("slug",
                      "3 to 64 characters of a-z, 0-9 and '-', not starting or ending with '-'",
                      spec.slug);
  }
  if (spec.language != "python") {
    return FieldError("language", "\"python\"", spec.language);
  }
  if (spec.duration_minutes < 1 || spec.duration_minutes > kMaxDurationMinutes) {
    return FieldError("duration_minutes", fmt::format("an integer from 1 to {}", kMaxDurationMinutes),
                      spec.duration_minutes);
  }
  if (spec.opens_at && spec.closes_at && *spec.closes_at <= *spec.opens_at) {
    return InvalidArgument(fmt::format(
        "exam.json: field \"closes_at\" ({}) must be after \"opens_at\" ({})",
        FormatRfc3339(*spec.closes_at), FormatRfc3339(*spec.opens_at)));
  }
  if (spec.questions.empty() || spec.questions.size() > kMaxQuestions) {
    return InvalidArgument(fmt::format(
        "exam.json: field \"questions\" must list 1 to {} question folders, got {}", kMaxQuestions,
        spec.questions.size()));
  }

  std::set<std::string> keys;
  for (const QuestionSpec& question : spec.questions) {
    if (!IsValidKey(question.key)) {
      return FieldError("questions", "folder names of 1 to 64 characters of a-z, 0-9 and '-'",
                        question.key);
    }
    if (!keys.insert(question.key).second) {
      return InvalidArgument(fmt::format(
          "exam.json: field \"questions\" lists \"{}\" twice; each question appears once",
          question.key));
    }
    if (Status status = ValidateQuestion(question); !status) {
      return status;
    }
  }
  return {};
}

Result<ExamSpec> ReadExamFolder(const std::filesystem::path& folder) {
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) {
    return InvalidArgument(fmt::format(
        "{}: not a folder; give the exam folder that contains exam.json", folder.string()));
  }
  auto exam_json_text = ReadTextFile(folder / "exam.json", "exam.json");
  if (!exam_json_text) {
    return InvalidArgument(
        fmt::format("exam.json: missing or unreadable in {}; every exam folder needs one",
                    folder.string()));
  }

  json object;
  try {
    object = json::parse(*exam_json_text);
  } catch (const json::parse_error& parse_error) {
    return InvalidArgument(fmt::format("exam.json: invalid JSON at byte {}; {}", parse_error.byte,
                                       parse_error.what()));
  }
  if (object.is_object()) {
    for (const auto& [field, value] : object.items()) {
      if (!kExamJsonFields.count(field)) {
        return InvalidArgument(fmt::format(
            "exam.json: unknown field \"{}\"; the fields are title, slug, language, "
            "duration_minutes, opens_at, closes_at and questions",
            field));
      }
    }
  }

  auto spec = ReadExamFields(object);
  if (!spec) {
    return spec.error();
  }

  const json& questions = object.value("questions", json());
  if (!questions.is_array() || questions.empty()) {
    return FieldError("questions", "a non-empty list of question folder names", questions);
  }
  for (const json& key : questions) {
    if (!key.is_string() || !IsValidKey(key.get<std::string>())) {
      return FieldError("questions", "folder names of 1 to 64 characters of a-z, 0-9 and '-'", key);
    }
    QuestionSpec question;
    question.key = key.get<std::string>();
    const std::filesystem::path question_folder = folder / question.key;
    if (!std::filesystem::is_directory(question_folder, error)) {
      return InvalidArgument(fmt::format(
          "exam.json: field \"questions\" names \"{}\", but there is no folder {} beside exam.json",
          question.key, question.key));
    }
    std::string* targets[] = {&question.prompt_md, &question.starter, &question.tests};
    for (int i = 0; i < 3; ++i) {
      auto text = ReadTextFile(question_folder / kQuestionFiles[i],
                               question.key + "/" + kQuestionFiles[i]);
      if (!text) {
        return text.error();
      }
      *targets[i] = std::move(*text);
    }
    auto title = TitleFromPrompt(question.prompt_md, question.key + "/prompt.md");
    if (!title) {
      return title.error();
    }
    question.title = *title;
    spec->questions.push_back(std::move(question));
  }

  if (Status status = ValidateExamSpec(*spec); !status) {
    return status.error();
  }
  return spec;
}

Result<ExamSpec> ExamSpecFromJson(const json& object) {
  if (NestsDeeperThan(object, kMaxJsonDepth)) {
    return InvalidArgument(fmt::format(
        "exam.json: arrays and objects nest more than {} levels deep", kMaxJsonDepth));
  }
  if (object.is_object()) {
    for (const auto& [field, value] : object.items()) {
      if (!kExamJsonFields.count(field)) {
        return InvalidArgument(fmt::format(
            "exam.json: unknown field \"{}\"; the fields are title, slug, language, "
            "duration_minutes, opens_at, closes_at and questions",
            field));
      }
    }
  }
  auto spec = ReadExamFields(object);
  if (!spec) {
    return spec.error();
  }
  const json& questions = object.value("questions", json());
  if (!questions.is_array()) {
    return FieldError("questions", "a list of questions", questions);
  }
  for (const json& item : questions) {
    if (!item.is_object()) {
      return FieldError("questions", "a list of question objects", item);
    }
    QuestionSpec question;
    const char* fields[] = {"key", "title", "prompt_md", "starter", "tests"};
    std::string* targets[] = {&question.key, &question.title, &question.prompt_md,
                              &question.starter, &question.tests};
    for (int i = 0; i < 5; ++i) {
      const json& value = item.value(fields[i], json());
      if (!value.is_string()) {
        return FieldError(fmt::format("questions[].{}", fields[i]), "a string", value);
      }
      *targets[i] = value.get<std::string>();
    }
    spec->questions.push_back(std::move(question));
  }
  if (Status status = ValidateExamSpec(*spec); !status) {
    return status.error();
  }
  return spec;
}

json ExamSpecToJson(const ExamSpec& spec) {
  json object = {
      {"title", spec.title},
      {"slug", spec.slug},
      {"language", spec.language},
      {"duration_minutes", spec.duration_minutes},
      {"opens_at", spec.opens_at ? json(FormatRfc3339(*spec.opens_at)) : json()},
      {"closes_at", spec.closes_at ? json(FormatRfc3339(*spec.closes_at)) : json()},
      {"questions", json::array()},
  };
  for (const QuestionSpec& question : spec.questions) {
    object["questions"].push_back({{"key", question.key},
                                   {"title", question.title},
                                   {"prompt_md", question.prompt_md},
                                   {"starter", question.starter},
                                   {"tests", question.tests}});
  }
  return object;
}

}  // namespace exam
