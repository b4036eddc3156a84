#include "exam/similarity/report.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

using namespace exam::similarity;

// Two students with the same program; the first one's name is hostile.
SimilarityReport HostileReport(const std::string& name) {
  std::string program;
  for (int i = 0; i < 8; ++i) {
    program += "def f" + std::to_string(i) + "(a):\n    for i in range(a):\n        print(i, a)\n" +
               "    return a * 2\n\n";
  }
  program += "s = '<script>alert(1)</script>'\n";
  SimilarityOptions options;
  options.max_share = 1.0;
  auto result =
      AnalyzeSimilarity({MakeSubmission(name, program), MakeSubmission("bob", program)}, options);
  REQUIRE(result.ok());
  return std::move(result).value();
}

std::string Render(const SimilarityReport& report, ReportFormat format) {
  std::ostringstream out;
  RenderReport(report, format, {}, out);
  return out.str();
}

}  // namespace

TEST_CASE("report formats parse") {
  CHECK(ParseReportFormat("html") == ReportFormat::kHtml);
  CHECK(ParseReportFormat("csv") == ReportFormat::kCsv);
  CHECK_FALSE(ParseReportFormat("pdf").has_value());
}

TEST_CASE("csv neutralises formula cells") {
  for (const std::string name : {"=cmd()", "+1", "-2", "@sum", "\tx", "\rx"}) {
    INFO(name);
    const std::string csv = Render(HostileReport(name), ReportFormat::kCsv);
    CHECK(csv.find("'" + name) != std::string::npos);
    CHECK(csv.find("," + name) == std::string::npos);
    CHECK(csv.find(",\"" + name) == std::string::npos);
  }
}

TEST_CASE("csv quotes commas and quotes") {
  const std::string csv = Render(HostileReport("a,\"b\""), ReportFormat::kCsv);
  CHECK(csv.find("\"a,\"\"b\"\"\"") != std::string::npos);
}

TEST_CASE("html escapes student text and names") {
  const std::string html =
      Render(HostileReport("<img src=x onerror=alert(1)>"), ReportFormat::kHtml);
  CHECK(html.find("<img src=x") == std::string::npos);
  CHECK(html.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(html.find("<script>alert(1)</script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
}

TEST_CASE("html is self-contained and says it is not proof") {
  const std::string html = Render(HostileReport("alice"), ReportFormat::kHtml);
  CHECK(html.find("not proof of copying") != std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<mark class=\"c0\" data-f=\"0\">") != std::string::npos);
  CHECK(html.find("id=\"pair-1\"") != std::string::npos);
}

TEST_CASE("html marks open and close in balance") {
  const std::string html = Render(HostileReport("alice"), ReportFormat::kHtml);
  std::size_t opened = 0;
  std::size_t closed = 0;
  for (std::size_t at = html.find("<mark"); at != std::string::npos;
       at = html.find("<mark", at + 1)) {
    ++opened;
  }
  for (std::size_t at = html.find("</mark>"); at != std::string::npos;
       at = html.find("</mark>", at + 1)) {
    ++closed;
  }
  CHECK(opened > 0);
  CHECK(opened == closed);
}

TEST_CASE("json report is valid and complete") {
  const auto report = HostileReport("alice\x01\xff");
  const auto json = nlohmann::json::parse(Render(report, ReportFormat::kJson));
  CHECK(json["totals"]["students"] == 2);
  REQUIRE(json["pairs"].size() == 1);
  CHECK(json["pairs"][0]["similarity"] == Approx(1.0));
  CHECK(json["pairs"][0]["fragments"][0]["left"]["begin"]["line"] == 1);
  CHECK(json["notice"].get<std::string>().find("not proof") != std::string::npos);
}

TEST_CASE("text report lists pairs and the notice") {
  const std::string text = Render(HostileReport("alice\x1b[31m"), ReportFormat::kText);
  CHECK(text.find("not proof of copying") != std::string::npos);
  CHECK(text.find("1.000") != std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
}

TEST_CASE("top limits the listed pairs") {
  SimilarityOptions options;
  options.max_share = 1.0;
  std::string program;
  for (int i = 0; i < 6; ++i) {
    program +=
        "def f" + std::to_string(i) + "(a):\n    while a > 0:\n        a -= 1\n    return a\n";
  }
  auto result = AnalyzeSimilarity(
      {MakeSubmission("a", program), MakeSubmission("b", program), MakeSubmission("c", program)},
      options);
  REQUIRE(result.ok());
  REQUIRE(result->pairs.size() == 3);
  std::ostringstream out;
  RenderCsv(*result, {.top = 1}, out);
  const std::string csv = out.str();
  std::size_t rows = 0;
  for (char c : csv) {
    rows += c == '\n' ? 1 : 0;
  }
  CHECK(rows == 2);
}
