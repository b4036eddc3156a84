// The CSV report: one row per pair, for spreadsheets. Quoting follows RFC
// 4180. A cell that starts with = + - @ tab or CR gets a leading apostrophe,
// because spreadsheets would run it as a formula (CSV injection), and student
// labels come from file names that students chose.
#include <fmt/format.h>

#include <algorithm>

#include "exam/similarity/report.h"
#include "report_util.h"

namespace exam::similarity {
namespace {

std::string Cell(std::string_view value) {
  std::string text(value);
  if (!text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos) {
    text.insert(text.begin(), '\'');
  }
  const bool needs_quotes = std::any_of(text.begin(), text.end(), [](char c) {
    return c == ',' || c == '"' || c == '\r' || c == '\n';
  });
  if (!needs_quotes) {
    return text;
  }
  std::string quoted = "\"";
  for (char c : text) {
    quoted += c == '"' ? "\"\"" : std::string(1, c);
  }
  return quoted + "\"";
}

}  // namespace

void RenderCsv(const SimilarityReport& report, const RenderOptions& options, std::ostream& out) {
  out << "rank,left,right,similarity,longest_fragment,matched_tokens,fragments,left_ranges,"
         "right_ranges\r\n";
  const std::size_t shown = internal::PairsToShow(report, options.top);
  for (std::size_t i = 0; i < shown; ++i) {
    const PairResult& pair = report.pairs[i];
    std::string left_ranges;
    std::string right_ranges;
    for (const Fragment& fragment : pair.fragments) {
      const std::string separator = left_ranges.empty() ? "" : " ";
      left_ranges += separator + internal::FormatRange(report, pair.left, fragment.left);
      right_ranges += separator + internal::FormatRange(report, pair.right, fragment.right);
    }
    out << fmt::format(
        "{},{},{},{:.4f},{},{},{},{},{}\r\n", i + 1, Cell(report.submissions[pair.left].student),
        Cell(report.submissions[pair.right].student), pair.similarity, pair.longest_fragment,
        pair.matched_tokens, pair.fragments.size(), Cell(left_ranges), Cell(right_ranges));
  }
}

}  // namespace exam::similarity
