#include "exam/similarity/analysis.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using namespace exam::similarity;
using similarity_test::FindPair;
using similarity_test::ReadData;
using similarity_test::SimilarityOf;

const std::vector<std::string> kLevelFiles = {"l1_comments_whitespace", "l2_renamed",
                                              "l3_reordered",           "l4_dead_code",
                                              "l5_rewritten",           "l6_everything"};

std::vector<Submission> LevelSubmissions() {
  std::vector<Submission> submissions;
  for (const std::string& name : kLevelFiles) {
    submissions.push_back(MakeSubmission(name, ReadData("levels/" + name + ".py")));
  }
  for (const char* name : {"original", "independent_a", "independent_b"}) {
    submissions.push_back(MakeSubmission(name, ReadData(std::string("levels/") + name + ".py")));
  }
  return submissions;
}

SimilarityReport Analyze(std::vector<Submission> submissions, SimilarityOptions options = {}) {
  auto result = AnalyzeSimilarity(std::move(submissions), options);
  REQUIRE(result.ok());
  return std::move(result).value();
}

// A program long enough to compare whose token stream differs for each
// seed: functions are drawn from statement shapes with different tokens.
std::string Program(int seed) {
  static const char* const kStatements[] = {
      "    a = a * b[0] + 1\n",
      "    a += len(b)\n",
      "    b.append(a)\n",
      "    if a > b[-1]:\n        a = -a\n",
      "    a = max(a, min(b))\n",
      "    c = {k: v for k, v in enumerate(b)}\n",
      "    a = a // 2 if a % 2 == 0 else 3 * a + 1\n",
      "    b = [x * x for x in b if x]\n",
      "    while a > 10:\n        a -= 3\n",
      "    for i in range(a):\n        print(i, a)\n",
      "    a = sorted(b)[len(b) // 2]\n",
      "    c = (a, b)\n",
      "    try:\n        a = int(str(a))\n    except ValueError:\n        a = 0\n",
      "    a = abs(a - sum(b))\n",
  };
  std::mt19937 random(static_cast<unsigned>(seed) * 7919u + 17u);
  std::string text;
  for (int f = 0; f < 6; ++f) {
    text += "def f" + std::to_string(seed) + "_" + std::to_string(f) + "(a, b):\n";
    const int count = 3 + static_cast<int>(random() % 4);
    for (int s = 0; s < count; ++s) {
      text += kStatements[random() % std::size(kStatements)];
    }
    text += "    return a\n\n";
  }
  return text;
}

}  // namespace

TEST_CASE("each level beats independent solutions") {
  // Common-code masking is off: with nine submissions, code in half of
  // them is exactly the copied code.
  SimilarityOptions options;
  options.max_share = 1.0;
  const SimilarityReport report = Analyze(LevelSubmissions(), options);
  const double independent = std::max({SimilarityOf(report, "original", "independent_a"),
                                       SimilarityOf(report, "original", "independent_b"),
                                       SimilarityOf(report, "independent_a", "independent_b")});
  CHECK(independent < 0.3);
  const std::vector<double> minimum = {0.95, 0.95, 0.9, 0.8, 0.8, 0.55};
  for (std::size_t level = 0; level < kLevelFiles.size(); ++level) {
    INFO(kLevelFiles[level]);
    const double similarity = SimilarityOf(report, "original", kLevelFiles[level]);
    CHECK(similarity >= minimum[level]);
    CHECK(similarity > independent + 0.3);
  }
}

TEST_CASE("L1 and L2 copies match completely") {
  SimilarityOptions options;
  options.max_share = 1.0;
  const SimilarityReport report = Analyze(LevelSubmissions(), options);
  CHECK(SimilarityOf(report, "original", "l1_comments_whitespace") == Approx(1.0));
  CHECK(SimilarityOf(report, "original", "l2_renamed") == Approx(1.0));
}

TEST_CASE("fragments map back to lines on both sides") {
  SimilarityOptions options;
  options.max_share = 1.0;
  const SimilarityReport report = Analyze(LevelSubmissions(), options);
  const PairResult* pair = FindPair(report, "original", "l3_reordered");
  REQUIRE(pair != nullptr);
  REQUIRE_FALSE(pair->fragments.empty());
  uint32_t total = 0;
  for (const Fragment& fragment : pair->fragments) {
    CHECK(fragment.tokens >= options.min_match_tokens);
    CHECK(fragment.left.begin.line >= 1);
    CHECK(fragment.left.end.line >= fragment.left.begin.line);
    CHECK(fragment.right.end.line >= fragment.right.begin.line);
    total += fragment.tokens;
  }
  CHECK(total == pair->matched_tokens);
  CHECK(pair->longest_fragment <= pair->matched_tokens);
}

TEST_CASE("pairs are ranked best first") {
  SimilarityOptions options;
  options.max_share = 1.0;
  const SimilarityReport report = Analyze(LevelSubmissions(), options);
  for (std::size_t i = 1; i < report.pairs.size(); ++i) {
    CHECK(report.pairs[i - 1].similarity >= report.pairs[i].similarity);
  }
}

TEST_CASE("base code does not count as a match") {
  const std::string base = ReadData("base/starter.py");
  std::vector<Submission> submissions = {
      MakeSubmission("kept", ReadData("base/kept_starter.py")),
      MakeSubmission("edited", ReadData("base/edited_starter.py")),
  };
  SimilarityOptions without_base;
  without_base.max_share = 1.0;
  CHECK(SimilarityOf(Analyze(submissions, without_base), "kept", "edited") > 0.5);

  SimilarityOptions with_base = without_base;
  with_base.base_files = {{"starter.py", base}};
  const SimilarityReport report = Analyze(submissions, with_base);
  CHECK(SimilarityOf(report, "kept", "edited") == 0.0);
  CHECK(report.summaries[0].base_tokens > 50);
  CHECK(report.summaries[1].base_tokens > 50);
}

TEST_CASE("base code removal keeps copied own code") {
  const std::string base = ReadData("base/starter.py");
  const std::string own = Program(7);
  std::vector<Submission> submissions = {
      MakeSubmission("first", base + own),
      MakeSubmission("second", own + base),  // reordered: starter code moved to the end
  };
  SimilarityOptions options;
  options.max_share = 1.0;
  options.base_files = {{"starter.py", base}};
  const SimilarityReport report = Analyze(submissions, options);
  const PairResult* pair = FindPair(report, "first", "second");
  REQUIRE(pair != nullptr);
  CHECK(pair->similarity == Approx(1.0));
  CHECK(report.summaries[0].base_tokens == report.summaries[1].base_tokens);
}

TEST_CASE("code shared by most submissions is ignored") {
  const std::string common = Program(100);
  std::vector<Submission> submissions;
  for (int s = 0; s < 10; ++s) {
    submissions.push_back(MakeSubmission("s" + std::to_string(s), common + Program(s)));
  }
  const SimilarityReport masked = Analyze(submissions);  // default max_share
  CHECK(masked.summaries[0].common_tokens > 100);
  // What remains are chance matches between the students' own code.
  for (const PairResult& pair : masked.pairs) {
    CHECK(pair.matched_tokens < masked.summaries[pair.left].common_tokens / 4);
  }

  SimilarityOptions keep;
  keep.max_share = 1.0;
  const SimilarityReport kept = Analyze(submissions, keep);
  REQUIRE_FALSE(kept.pairs.empty());
  CHECK(kept.pairs.back().similarity > 0.4);
}

TEST_CASE("small copying group still reported") {
  std::vector<Submission> submissions;
  for (int s = 0; s < 5; ++s) {
    submissions.push_back(MakeSubmission("s" + std::to_string(s), Program(s)));
  }
  const std::string copied = Program(42);
  for (int s = 0; s < 3; ++s) {
    submissions[s].files[0].text += copied;
  }
  // 3 of 5 is more than a max_share of 0.5, but below the minimum of 4
  // submissions.
  SimilarityOptions options;
  options.max_share = 0.5;
  const SimilarityReport report = Analyze(submissions, options);
  CHECK(SimilarityOf(report, "s0", "s1") > 0.3);
  CHECK(SimilarityOf(report, "s1", "s2") > 0.3);
}

TEST_CASE("clusters join students above the threshold") {
  std::vector<Submission> submissions;
  for (int s = 0; s < 6; ++s) {
    submissions.push_back(MakeSubmission("s" + std::to_string(s), Program(s * 10)));
  }
  submissions.push_back(MakeSubmission("copy_of_s0", Program(0)));
  submissions.push_back(MakeSubmission("copy_of_copy", Program(0)));
  submissions.push_back(MakeSubmission("copy_of_s3", Program(30)));
  SimilarityOptions options;
  options.max_share = 1.0;
  const SimilarityReport report = Analyze(submissions, options);
  REQUIRE(report.clusters.size() == 2);
  CHECK(report.clusters[0].members.size() == 3);
  CHECK(report.clusters[1].members.size() == 2);
  CHECK(report.clusters[0].pairs == 3);
  CHECK(report.clusters[0].max_similarity == Approx(1.0));
}

TEST_CASE("fragments never span two files") {
  Submission split;
  split.student = "split";
  const std::string whole = Program(5);
  const std::size_t middle = whole.find("def ", whole.size() / 2);
  split.files = {{"a.py", whole.substr(0, middle)}, {"b.py", whole.substr(middle)}};
  std::vector<Submission> submissions = {MakeSubmission("whole", whole), split};
  SimilarityOptions options;
  options.max_share = 1.0;
  const SimilarityReport report = Analyze(submissions, options);
  const PairResult* pair = FindPair(report, "whole", "split");
  REQUIRE(pair != nullptr);
  CHECK(pair->fragments.size() >= 2);
  bool second_file = false;
  for (const Fragment& fragment : pair->fragments) {
    const FragmentSide& side = pair->left == 1 ? fragment.left : fragment.right;
    second_file = second_file || side.file == 1;
  }
  CHECK(second_file);
}

TEST_CASE("empty and tiny submissions reported") {
  std::vector<Submission> submissions = {
      MakeSubmission("empty", ""),
      MakeSubmission("comments", "# nothing here\n\"\"\"docstring\"\"\"\n"),
      MakeSubmission("tiny", "print(1)\n"),
      MakeSubmission("real1", Program(1)),
      MakeSubmission("real2", Program(1)),
  };
  const SimilarityReport report = Analyze(submissions);
  REQUIRE(report.summaries.size() == 5);
  CHECK_FALSE(report.summaries[0].compared);
  CHECK_FALSE(report.summaries[1].compared);
  CHECK_FALSE(report.summaries[2].compared);
  CHECK(report.summaries[3].compared);
  int skipped = 0;
  for (const Notice& notice : report.notices) {
    skipped += notice.severity == NoticeSeverity::kSkipped ? 1 : 0;
  }
  CHECK(skipped == 3);
  CHECK(SimilarityOf(report, "real1", "real2") == Approx(1.0));
}

TEST_CASE("bom, crlf and invalid utf-8 still match") {
  const std::string program = Program(3);
  std::string crlf;
  for (char c : program) {
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  }
  std::string latin1 = "# caf\xE9\n" + program;
  std::vector<Submission> submissions = {
      MakeSubmission("plain", program),
      MakeSubmission("bom", "\xEF\xBB\xBF" + program),
      MakeSubmission("crlf", crlf),
      MakeSubmission("latin1", latin1),
  };
  SimilarityOptions options;
  options.max_share = 1.0;
  const SimilarityReport report = Analyze(submissions, options);
  CHECK(SimilarityOf(report, "plain", "bom") == Approx(1.0));
  CHECK(SimilarityOf(report, "plain", "crlf") == Approx(1.0));
  CHECK(SimilarityOf(report, "plain", "latin1") == Approx(1.0));
  int notes = 0;
  int warnings = 0;
  for (const Notice& notice : report.notices) {
    notes += notice.severity == NoticeSeverity::kNote ? 1 : 0;
    warnings += notice.severity == NoticeSeverity::kWarning ? 1 : 0;
  }
  CHECK(notes == 2);
  CHECK(warnings == 1);
  // The repaired text is what the report shows.
  CHECK(report.submissions[2].files[0].text == program);
}

TEST_CASE("syntax errors become warnings") {
  std::vector<Submission> submissions = {
      MakeSubmission("broken", Program(2) + "x = 'unterminated\ny = (1,\n"),
      MakeSubmission("fine", Program(2)),
  };
  const SimilarityReport report = Analyze(submissions);
  bool warned = false;
  for (const Notice& notice : report.notices) {
    warned = warned || (notice.student == "broken" && notice.severity == NoticeSeverity::kWarning);
  }
  CHECK(warned);
  CHECK(SimilarityOf(report, "broken", "fine") > 0.9);
}

TEST_CASE("huge submission is handled") {
  std::string huge;
  for (int i = 0; i < 400; ++i) {
    huge += Program(i);
  }
  std::vector<Submission> submissions = {MakeSubmission("huge", huge),
                                         MakeSubmission("part", Program(150))};
  const SimilarityReport report = Analyze(submissions);
  CHECK(SimilarityOf(report, "huge", "part") > 0.0);
}

TEST_CASE("duplicate student labels are rejected") {
  auto result = AnalyzeSimilarity({MakeSubmission("a", "x = 1\n"), MakeSubmission("a", "y\n")}, {});
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == exam::ErrorCode::kInvalidArgument);
  CHECK(result.error().message.find("\"a\"") != std::string::npos);
}

TEST_CASE("invalid options name the option") {
  SimilarityOptions options;
  options.max_share = 0.0;
  CHECK(ValidateOptions(options).error().message.find("maximum share") != std::string::npos);
  options = {};
  options.threshold = 1.5;
  CHECK(ValidateOptions(options).error().message.find("threshold") != std::string::npos);
  options = {};
  options.min_match_tokens = 1;
  CHECK_FALSE(ValidateOptions(options).ok());
  options = {};
  options.window = 0;
  CHECK_FALSE(ValidateOptions(options).ok());
  options = {};
  options.language = "cobol";
  CHECK(ValidateOptions(options).error().message.find("cobol") != std::string::npos);
  CHECK(ValidateOptions({}).ok());
}

TEST_CASE("results do not depend on thread count") {
  SimilarityOptions one;
  one.max_share = 1.0;
  one.threads = 1;
  SimilarityOptions four = one;
  four.threads = 4;
  const SimilarityReport a = Analyze(LevelSubmissions(), one);
  const SimilarityReport b = Analyze(LevelSubmissions(), four);
  REQUIRE(a.pairs.size() == b.pairs.size());
  for (std::size_t i = 0; i < a.pairs.size(); ++i) {
    CHECK(a.pairs[i].left == b.pairs[i].left);
    CHECK(a.pairs[i].right == b.pairs[i].right);
    CHECK(a.pairs[i].similarity == b.pairs[i].similarity);
  }
}

TEST_CASE("fewer than two submissions give an empty report") {
  CHECK(Analyze({}).pairs.empty());
  CHECK(Analyze({MakeSubmission("alone", Program(1))}).pairs.empty());
}
