// Dispatch between report formats and the helpers they share.
#include "exam/similarity/report.h"

#include <fmt/format.h>

#include "report_util.h"

namespace exam::similarity {

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "text") {
    return ReportFormat::kText;
  }
  if (name == "json") {
    return ReportFormat::kJson;
  }
  if (name == "csv") {
    return ReportFormat::kCsv;
  }
  if (name == "html") {
    return ReportFormat::kHtml;
  }
  return std::nullopt;
}

void RenderReport(const SimilarityReport& report, ReportFormat format, const RenderOptions& options,
                  std::ostream& out) {
  switch (format) {
    case ReportFormat::kText:
      RenderText(report, options, out);
      return;
    case ReportFormat::kJson:
      RenderJson(report, options, out);
      return;
    case ReportFormat::kCsv:
      RenderCsv(report, options, out);
      return;
    case ReportFormat::kHtml:
      RenderHtml(report, options, out);
      return;
  }
}

namespace internal {

std::size_t PairsToShow(const SimilarityReport& report, std::size_t top) {
  return top == 0 ? report.pairs.size() : std::min(top, report.pairs.size());
}

const std::string& FilePath(const SimilarityReport& report, uint32_t submission, uint32_t file) {
  return report.submissions[submission].files[file].path;
}

std::string FormatRange(const SimilarityReport& report, uint32_t submission,
                        const FragmentSide& side) {
  return fmt::format("{}:{}:{}-{}:{}", FilePath(report, submission, side.file), side.begin.line,
                     side.begin.column, side.end.line, side.end.column);
}

ReportTotals CountTotals(const SimilarityReport& report) {
  ReportTotals totals;
  totals.unreadable = report.unreadable_students.size();
  totals.students = report.submissions.size() + totals.unreadable;
  for (const SubmissionSummary& summary : report.summaries) {
    ++(summary.compared ? totals.compared : totals.not_compared);
  }
  for (const Notice& notice : report.notices) {
    if (notice.severity == NoticeSeverity::kWarning) {
      ++totals.warnings;
    }
  }
  return totals;
}

}  // namespace internal
}  // namespace exam::similarity
