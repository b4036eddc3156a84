#include "exam/exam_spec.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// 2026-12-04T08:00:00Z and 2026-12-04T18:00:00Z.
constexpr exam::UnixMillis kOpensAt = 1796371200000;
constexpr exam::UnixMillis kClosesAt = 1796407200000;

// A fresh folder under the system's temporary directory, removed with its
// contents when the object goes out of scope.
class TempFolder {
 public:
  TempFolder() {
    static std::atomic<int> counter{0};
    const std::string name = "exam-unit-" + std::to_string(std::random_device{}()) + "-" +
                             std::to_string(counter++);
    path_ = fs::temp_directory_path() / name;
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  stream << content;
  REQUIRE(stream.good());
}

json ValidExamJson() {
  return {
      {"title", "Introduction to Python: midterm"},
      {"slug", "intro-python-midterm"},
      {"language", "python"},
      {"duration_minutes", 90},
      {"opens_at", "2026-12-04T09:00:00+01:00"},
      {"closes_at", "2026-12-04T18:00:00Z"},
      {"questions", {"q3-strings", "q1-loops", "q2-files"}},
  };
}

void WriteExamJson(const fs::path& folder, const json& exam_json) {
  WriteFile(folder / "exam.json", exam_json.dump(2));
}

void WriteQuestion(const fs::path& folder, const std::string& key, const std::string& prompt) {
  WriteFile(folder / key / "prompt.md", prompt);
  WriteFile(folder / key / "starter.py", "def solve():\n    pass\n");
  WriteFile(folder / key / "tests.py", "assert solve() is None\n");
}

// An exam of three questions listed out of alphabetical order. q2-files has
// CRLF line ends and q3-strings starts with a UTF-8 byte order mark.
void WriteValidExam(const fs::path& folder) {
  WriteExamJson(folder, ValidExamJson());
  WriteQuestion(folder, "q1-loops", "# Loops\n\nPrint the numbers 1 to 10.\n");
  WriteQuestion(folder, "q2-files", "# Files and paths\r\n\r\nCount the lines of a file.\r\n");
  WriteQuestion(folder, "q3-strings", "\xEF\xBB\xBF# Strings\n\nReverse a string.\n");
}

// Rewrites exam.json after `change` edits the valid one.
std::function<void(const fs::path&)> EditExamJson(std::function<void(json&)> change) {
  return [change](const fs::path& folder) {
    json exam_json = ValidExamJson();
    change(exam_json);
    WriteExamJson(folder, exam_json);
  };
}

std::function<void(const fs::path&)> SetField(const std::string& field, json value) {
  return EditExamJson([field, value](json& exam_json) { exam_json[field] = value; });
}

std::function<void(const fs::path&)> EraseField(const std::string& field) {
  return EditExamJson([field](json& exam_json) { exam_json.erase(field); });
}

std::function<void(const fs::path&)> WriteQuestionFile(const std::string& relative_path,
                                                       const std::string& content) {
  return [relative_path, content](const fs::path& folder) {
    WriteFile(folder / relative_path, content);
  };
}

void CheckSameSpec(const exam::ExamSpec& actual, const exam::ExamSpec& expected) {
  CHECK(actual.title == expected.title);
  CHECK(actual.slug == expected.slug);
  CHECK(actual.language == expected.language);
  CHECK(actual.duration_minutes == expected.duration_minutes);
  CHECK(actual.opens_at == expected.opens_at);
  CHECK(actual.closes_at == expected.closes_at);
  REQUIRE(actual.questions.size() == expected.questions.size());
  for (std::size_t i = 0; i < expected.questions.size(); ++i) {
    INFO("question " << i);
    CHECK(actual.questions[i].key == expected.questions[i].key);
    CHECK(actual.questions[i].title == expected.questions[i].title);
    CHECK(actual.questions[i].prompt_md == expected.questions[i].prompt_md);
    CHECK(actual.questions[i].starter == expected.questions[i].starter);
    CHECK(actual.questions[i].tests == expected.questions[i].tests);
  }
}

}  // namespace

TEST_CASE("exam folder with every field") {
  TempFolder temp;
  WriteValidExam(temp.path());

  auto spec = exam::ReadExamFolder(temp.path());
  REQUIRE(spec.ok());
  CHECK(spec->title == "Introduction to Python: midterm");
  CHECK(spec->slug == "intro-python-midterm");
  CHECK(spec->language == "python");
  CHECK(spec->duration_minutes == 90);
  CHECK(spec->opens_at == kOpensAt);
  CHECK(spec->closes_at == kClosesAt);

  REQUIRE(spec->questions.size() == 3);
  const exam::QuestionSpec& strings = spec->questions[0];
  const exam::QuestionSpec& loops = spec->questions[1];
  const exam::QuestionSpec& files = spec->questions[2];
  CHECK(strings.key == "q3-strings");
  CHECK(loops.key == "q1-loops");
  CHECK(files.key == "q2-files");

  CHECK(loops.title == "Loops");
  CHECK(loops.prompt_md == "# Loops\n\nPrint the numbers 1 to 10.\n");
  CHECK(loops.starter == "def solve():\n    pass\n");
  CHECK(loops.tests == "assert solve() is None\n");
  CHECK(files.title == "Files and paths");
  CHECK(strings.title == "Strings");
}

TEST_CASE("exam folder without opening times") {
  TempFolder temp;
  WriteValidExam(temp.path());
  json exam_json = ValidExamJson();
  exam_json.erase("opens_at");
  exam_json["closes_at"] = nullptr;
  WriteExamJson(temp.path(), exam_json);

  auto spec = exam::ReadExamFolder(temp.path());
  REQUIRE(spec.ok());
  CHECK_FALSE(spec->opens_at.has_value());
  CHECK_FALSE(spec->closes_at.has_value());
}

TEST_CASE("exam folder that does not exist") {
  TempFolder temp;
  auto spec = exam::ReadExamFolder(temp.path() / "no-such-exam");
  REQUIRE_FALSE(spec.ok());
  CHECK_THAT(spec.error().message, Catch::Contains("no-such-exam"));
  CHECK_THAT(spec.error().message, Catch::Contains("not a folder"));
}

TEST_CASE("broken exam folders name file and value") {
  struct FolderCase {
    const char* name;
    std::function<void(const fs::path&)> breakage;
    std::vector<std::string> fragments;
  };
  const std::string long_title(201, 't');
  const std::string large_file(exam::kMaxQuestionFileBytes + 1, '#');

  const std::vector<FolderCase> cases = {
      {"missing exam.json", [](const fs::path& folder) { fs::remove(folder / "exam.json"); },
       {"exam.json", "missing"}},
      {"invalid JSON", WriteQuestionFile("exam.json", "{\"title\": "), {"exam.json", "invalid JSON"}},
      {"invalid UTF-8 in exam.json", WriteQuestionFile("exam.json", "{\"title\": \"\xFF\"}"),
       {"exam.json", "invalid JSON"}},
      {"exam.json a list", WriteQuestionFile("exam.json", "[1, 2]"), {"exam.json", "JSON object", "[1,2]"}},
      {"unknown field", SetField("duration", 90), {"exam.json", "unknown field", "\"duration\""}},
      {"title missing", EraseField("title"), {"exam.json", "\"title\"", "got null"}},
      {"title empty", SetField("title", ""), {"exam.json", "\"title\"", "got \"\""}},
      {"title too long", SetField("title", long_title), {"exam.json", "\"title\"", "1 to 200", "\"ttt"}},
      {"title a number", SetField("title", 5), {"exam.json", "\"title\"", "got 5"}},
      {"slug upper case", SetField("slug", "Midterm-2026"), {"exam.json", "\"slug\"", "\"Midterm-2026\""}},
      {"slug leading hyphen", SetField("slug", "-midterm"), {"exam.json", "\"slug\"", "\"-midterm\""}},
      {"slug trailing hyphen", SetField("slug", "midterm-"), {"exam.json", "\"slug\"", "\"midterm-\""}},
      {"slug too short", SetField("slug", "ab"), {"exam.json", "\"slug\"", "\"ab\""}},
      {"slug too long", SetField("slug", std::string(65, 'a')), {"exam.json", "\"slug\""}},
      {"slug with space", SetField("slug", "mid term"), {"exam.json", "\"slug\"", "\"mid term\""}},
      {"language java", SetField("language", "java"), {"exam.json", "\"language\"", "\"java\""}},
      {"language missing", EraseField("language"), {"exam.json", "\"language\"", "got null"}},
      {"duration with unit", SetField("duration_minutes", "90m"),
       {"exam.json", "\"duration_minutes\"", "\"90m\""}},
      {"duration zero", SetField("duration_minutes", 0), {"exam.json", "\"duration_minutes\"", "got 0"}},
      {"duration above a day", SetField("duration_minutes", 1441),
       {"exam.json", "\"duration_minutes\"", "got 1441", "1 to 1440"}},
      {"duration fraction", SetField("duration_minutes", 1.5),
       {"exam.json", "\"duration_minutes\"", "got 1.5"}},
      {"duration negative", SetField("duration_minutes", -90),
       {"exam.json", "\"duration_minutes\"", "got -90"}},
      {"duration missing", EraseField("duration_minutes"),
       {"exam.json", "\"duration_minutes\"", "got null"}},
      {"opens_at without offset", SetField("opens_at", "2026-12-04T09:00:00"),
       {"exam.json", "\"opens_at\"", "\"2026-12-04T09:00:00\"", "offset"}},
      {"opens_at a date only", SetField("opens_at", "2026-12-04"), {"exam.json", "\"opens_at\"", "\"2026-12-04\""}},
      {"opens_at a number", SetField("opens_at", 1796371200000), {"exam.json", "\"opens_at\"", "1796371200000"}},
      {"closes_at invalid", SetField("closes_at", "tomorrow"), {"exam.json", "\"closes_at\"", "\"tomorrow\""}},
      {"closes_at before opens_at", SetField("closes_at", "2026-12-04T07:00:00Z"),
       {"exam.json", "\"closes_at\"", "\"opens_at\"", "after", "2026-12-04T07:00:00.000Z"}},
      {"closes_at equal to opens_at", SetField("closes_at", "2026-12-04T08:00:00Z"),
       {"exam.json", "\"closes_at\"", "after"}},
      {"questions empty", SetField("questions", json::array()), {"exam.json", "\"questions\"", "got []"}},
      {"questions a string", SetField("questions", "q1-loops"), {"exam.json", "\"questions\"", "\"q1-loops\""}},
      {"questions missing", EraseField("questions"), {"exam.json", "\"questions\"", "got null"}},
      {"question listed twice", SetField("questions", {"q1-loops", "q2-files", "q1-loops"}),
       {"exam.json", "\"questions\"", "\"q1-loops\" twice"}},
      {"question key upper case", SetField("questions", {"q1-loops", "Q2"}),
       {"exam.json", "\"questions\"", "\"Q2\""}},
      {"question key a path", SetField("questions", {"../q1-loops"}),
       {"exam.json", "\"questions\"", "\"../q1-loops\""}},
      {"question key a number", SetField("questions", {1}), {"exam.json", "\"questions\"", "got 1"}},
      {"question key too long", SetField("questions", {std::string(65, 'q')}),
       {"exam.json", "\"questions\""}},
      {"question folder missing", SetField("questions", {"q1-loops", "q9-missing"}),
       {"exam.json", "\"questions\"", "\"q9-missing\"", "no folder"}},
      {"starter.py missing", [](const fs::path& folder) { fs::remove(folder / "q1-loops" / "starter.py"); },
       {"q1-loops/starter.py", "missing file"}},
      {"tests.py missing", [](const fs::path& folder) { fs::remove(folder / "q2-files" / "tests.py"); },
       {"q2-files/tests.py", "missing file"}},
      {"prompt.md a folder",
       [](const fs::path& folder) {
         fs::remove(folder / "q1-loops" / "prompt.md");
         fs::create_directory(folder / "q1-loops" / "prompt.md");
       },
       {"q1-loops/prompt.md", "missing file"}},
      {"prompt.md without heading", WriteQuestionFile("q1-loops/prompt.md", "Loops\n\nText.\n"),
       {"q1-loops/prompt.md", "\"# \" heading", "\"Loops\""}},
      {"prompt.md heading without space", WriteQuestionFile("q1-loops/prompt.md", "#Loops\n"),
       {"q1-loops/prompt.md", "\"# \" heading", "\"#Loops\""}},
      {"prompt.md second-level heading", WriteQuestionFile("q1-loops/prompt.md", "## Loops\n"),
       {"q1-loops/prompt.md", "\"# \" heading"}},
      {"prompt.md empty", WriteQuestionFile("q1-loops/prompt.md", ""), {"q1-loops/prompt.md", "\"# \" heading"}},
      {"prompt.md title too long", WriteQuestionFile("q1-loops/prompt.md", "# " + long_title + "\n"),
       {"q1-loops/prompt.md", "1 to 200", "got 201"}},
      {"starter.py over 256 KiB", WriteQuestionFile("q2-files/starter.py", large_file),
       {"q2-files/starter.py", "262145 bytes", "262144 bytes"}},
      {"prompt.md over 256 KiB", WriteQuestionFile("q1-loops/prompt.md", "# Loops\n" + large_file),
       {"q1-loops/prompt.md", "bytes", "262144 bytes"}},
      {"starter.py invalid UTF-8", WriteQuestionFile("q1-loops/starter.py", "name = 'Zo\xEB'\n"),
       {"q1-loops/starter.py", "not valid UTF-8"}},
      {"prompt.md invalid UTF-8", WriteQuestionFile("q3-strings/prompt.md", "# Strings\n\xC0\xAF\n"),
       {"q3-strings/prompt.md", "not valid UTF-8"}},
      {"tests.py with NUL byte", WriteQuestionFile("q2-files/tests.py", std::string("assert 1\0\n", 10)),
       {"q2-files/tests.py", "NUL byte"}},
  };

  for (const FolderCase& c : cases) {
    SECTION(c.name) {
      TempFolder temp;
      WriteValidExam(temp.path());
      c.breakage(temp.path());

      auto spec = exam::ReadExamFolder(temp.path());
      REQUIRE_FALSE(spec.ok());
      CHECK(spec.error().code == exam::ErrorCode::kInvalidArgument);
      for (const std::string& fragment : c.fragments) {
        CHECK_THAT(spec.error().message, Catch::Contains(fragment));
      }
    }
  }
}

TEST_CASE("exam folder question limit") {
  TempFolder temp;
  WriteValidExam(temp.path());
  json keys = json::array();
  for (std::size_t i = 0; i <= exam::kMaxQuestions; ++i) {
    const std::string key = "q" + std::to_string(i);
    WriteQuestion(temp.path(), key, "# Question " + std::to_string(i) + "\n");
    keys.push_back(key);
  }
  json exam_json = ValidExamJson();
  exam_json["questions"] = keys;
  WriteExamJson(temp.path(), exam_json);

  auto spec = exam::ReadExamFolder(temp.path());
  REQUIRE_FALSE(spec.ok());
  CHECK_THAT(spec.error().message, Catch::Contains("\"questions\""));
  CHECK_THAT(spec.error().message, Catch::Contains("1 to 50"));
  CHECK_THAT(spec.error().message, Catch::Contains("got 51"));
}

TEST_CASE("exam spec json round trips") {
  TempFolder temp;
  WriteValidExam(temp.path());
  auto spec = exam::ReadExamFolder(temp.path());
  REQUIRE(spec.ok());

  const json exam_json = exam::ExamSpecToJson(*spec);
  CHECK(exam_json["opens_at"] == "2026-12-04T08:00:00.000Z");
  CHECK(exam_json["questions"][0]["key"] == "q3-strings");

  auto round_trip = exam::ExamSpecFromJson(exam_json);
  REQUIRE(round_trip.ok());
  CheckSameSpec(*round_trip, *spec);
}

TEST_CASE("exam spec json without times round trips") {
  exam::ExamSpec spec;
  spec.title = "Quiz";
  spec.slug = "quiz-1";
  spec.language = "python";
  spec.duration_minutes = 1440;
  spec.questions.push_back({"q1", "First", "# First\n", "", ""});

  const json exam_json = exam::ExamSpecToJson(spec);
  CHECK(exam_json["opens_at"].is_null());
  CHECK(exam_json["closes_at"].is_null());

  auto round_trip = exam::ExamSpecFromJson(exam_json);
  REQUIRE(round_trip.ok());
  CheckSameSpec(*round_trip, spec);
}

TEST_CASE("exam spec json rejects bad values") {
  struct JsonCase {
    const char* name;
    std::function<void(json&)> change;
    std::vector<std::string> fragments;
  };
  const json question = {
      {"key", "q1"}, {"title", "First"}, {"prompt_md", "# First\n"}, {"starter", ""}, {"tests", ""}};
  auto set_question_field = [question](const std::string& field, json value) {
    return [question, field, value](json& exam_json) {
      json changed = question;
      changed[field] = value;
      exam_json["questions"] = json::array({changed});
    };
  };
  auto set = [](const std::string& field, json value) {
    return [field, value](json& exam_json) { exam_json[field] = value; };
  };

  const std::vector<JsonCase> cases = {
      {"not an object", [](json& exam_json) { exam_json = json::array(); }, {"JSON object"}},
      {"title empty", set("title", ""), {"\"title\"", "got \"\""}},
      {"title missing", [](json& exam_json) { exam_json.erase("title"); }, {"\"title\"", "got null"}},
      {"slug upper case", set("slug", "Quiz"), {"\"slug\"", "\"Quiz\""}},
      {"slug leading hyphen", set("slug", "-quiz"), {"\"slug\"", "\"-quiz\""}},
      {"language java", set("language", "java"), {"\"language\"", "\"java\""}},
      {"duration with unit", set("duration_minutes", "90m"), {"\"duration_minutes\"", "\"90m\""}},
      {"duration zero", set("duration_minutes", 0), {"\"duration_minutes\"", "got 0"}},
      {"duration above a day", set("duration_minutes", 1441), {"\"duration_minutes\"", "got 1441"}},
      {"duration fraction", set("duration_minutes", 1.5), {"\"duration_minutes\"", "got 1.5"}},
      {"opens_at without offset", set("opens_at", "2026-12-04T09:00:00"),
       {"\"opens_at\"", "\"2026-12-04T09:00:00\""}},
      {"closes_at before opens_at",
       [](json& exam_json) {
         exam_json["opens_at"] = "2026-12-04T09:00:00Z";
         exam_json["closes_at"] = "2026-12-04T08:00:00Z";
       },
       {"\"closes_at\"", "after"}},
      {"questions empty", set("questions", json::array()), {"\"questions\"", "got 0"}},
      {"questions not a list", set("questions", "q1"), {"\"questions\"", "\"q1\""}},
      {"question not an object", set("questions", {"q1"}), {"\"questions\"", "\"q1\""}},
      {"question key missing",
       [question](json& exam_json) {
         json changed = question;
         changed.erase("key");
         exam_json["questions"] = json::array({changed});
       },
       {"questions[].key", "got null"}},
      {"question key upper case", set_question_field("key", "Q1"), {"\"questions\"", "\"Q1\""}},
      {"question key twice", [question](json& exam_json) { exam_json["questions"] = {question, question}; },
       {"\"questions\"", "\"q1\" twice"}},
      {"question title empty", set_question_field("title", ""), {"q1/prompt.md", "1 to 200", "got 0"}},
      {"question starter a number", set_question_field("starter", 3), {"questions[].starter", "got 3"}},
      {"question starter over 256 KiB",
       set_question_field("starter", std::string(exam::kMaxQuestionFileBytes + 1, 'x')),
       {"q1/starter.py", "262145 bytes"}},
      {"question tests with NUL byte", set_question_field("tests", std::string("a\0b", 3)),
       {"q1/tests.py", "NUL byte"}},
  };

  for (const JsonCase& c : cases) {
    SECTION(c.name) {
      exam::ExamSpec spec;
      spec.title = "Quiz";
      spec.slug = "quiz-1";
      spec.language = "python";
      spec.duration_minutes = 30;
      json exam_json = exam::ExamSpecToJson(spec);
      exam_json["questions"] = json::array({question});
      c.change(exam_json);

      auto parsed = exam::ExamSpecFromJson(exam_json);
      REQUIRE_FALSE(parsed.ok());
      CHECK(parsed.error().code == exam::ErrorCode::kInvalidArgument);
      for (const std::string& fragment : c.fragments) {
        CHECK_THAT(parsed.error().message, Catch::Contains(fragment));
      }
    }
  }
}

TEST_CASE("title limits count characters not bytes") {
  // U+00E9 takes two bytes in UTF-8 and U+674E three, so these titles are
  // within 200 characters but over 200 bytes.
  std::string two_byte_title;
  std::string three_byte_title;
  for (int i = 0; i < 200; ++i) {
    two_byte_title += "\xC3\xA9";
    three_byte_title += "\xE6\x9D\x8E";
  }
  exam::ExamSpec spec;
  spec.title = two_byte_title;
  spec.slug = "quiz-1";
  spec.language = "python";
  spec.duration_minutes = 30;
  spec.questions.push_back({"q1", three_byte_title, "# " + three_byte_title + "\n", "", ""});
  CHECK(exam::ValidateExamSpec(spec).ok());

  spec.title = two_byte_title + "\xC3\xA9";
  const exam::Status long_exam_title = exam::ValidateExamSpec(spec);
  REQUIRE_FALSE(long_exam_title.ok());
  CHECK_THAT(long_exam_title.error().message, Catch::Contains("\"title\""));

  spec.title = "Quiz";
  spec.questions[0].title = three_byte_title + "\xE6\x9D\x8E";
  const exam::Status long_question_title = exam::ValidateExamSpec(spec);
  REQUIRE_FALSE(long_question_title.ok());
  CHECK_THAT(long_question_title.error().message, Catch::Contains("q1/prompt.md"));
  CHECK_THAT(long_question_title.error().message, Catch::Contains("got 201"));
}

TEST_CASE("exam folder with non-ASCII title") {
  TempFolder temp;
  WriteValidExam(temp.path());
  json exam_json = ValidExamJson();
  exam_json["title"] = "Programmieren f\xC3\xBCr Anf\xC3\xA4nger";
  WriteExamJson(temp.path(), exam_json);
  WriteQuestion(temp.path(), "q1-loops", "# \xE5\xBE\xAA\xE7\x8E\xAF\n");

  auto spec = exam::ReadExamFolder(temp.path());
  REQUIRE(spec.ok());
  CHECK(spec->title == "Programmieren f\xC3\xBCr Anf\xC3\xA4nger");
  CHECK(spec->questions[1].title == "\xE5\xBE\xAA\xE7\x8E\xAF");
}

TEST_CASE("slug validity") {
  struct SlugCase {
    std::string slug;
    bool valid;
  };
  const std::vector<SlugCase> cases = {
      {"abc", true},          {"intro-python-2026", true}, {std::string(64, 'a'), true},
      {"ab", false},          {std::string(65, 'a'), false}, {"-abc", false},
      {"abc-", false},        {"Abc", false},              {"ab_c", false},
      {"ab c", false},        {"", false},                 {"\xC3\xA9t\xC3\xA9", false},
  };
  for (const SlugCase& c : cases) {
    CAPTURE(c.slug);
    CHECK(exam::IsValidSlug(c.slug) == c.valid);
  }
}
