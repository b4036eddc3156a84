// The plain-text report: a table of the top pairs, the clusters and the
// notices, for reading in a terminal.
#include <fmt/format.h>

#include "exam/similarity/report.h"
#include "report_util.h"

namespace exam::similarity {
namespace {

// Replaces control characters, so that a file name cannot move the cursor or
// change colours in the terminal that shows the report.
std::string Printable(std::string_view text) {
  std::string result;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    result.push_back(byte < 0x20 || byte == 0x7F ? '?' : c);
  }
  return result;
}

// Pads or cuts `text` to `width` columns, counting UTF-8 code points.
std::string Fit(std::string_view text, std::size_t width) {
  std::string result;
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool starts_character = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_character && ++columns > width) {
      return result;
    }
    result.push_back(text[i]);
  }
  result.append(width - columns, ' ');
  return result;
}

}  // namespace

void RenderText(const SimilarityReport& report, const RenderOptions& options, std::ostream& out) {
  const internal::ReportTotals totals = internal::CountTotals(report);
  out << fmt::format(
      "{} students: {} compared, {} too short or empty, {} with no readable file.\n{} pairs "
      "share fingerprints, the {} most promising were aligned, {} share code.\n",
      totals.students, totals.compared, totals.not_compared, totals.unreadable,
      report.candidate_pairs, report.aligned_pairs, report.pairs.size());
  out << internal::kEvidenceNotice << "\n\n";

  const std::size_t shown = internal::PairsToShow(report, options.top);
  if (shown == 0) {
    out << "No pair shares a fragment of " << report.options.min_match_tokens
        << " tokens or more.\n";
  } else {
    out << fmt::format("{:>4}  {:>10}  {:>7}  {:>7}  {:>9}  {}  {}\n", "rank", "similarity",
                       "longest", "matched", "fragments", Fit("student", 24), "student");
    for (std::size_t i = 0; i < shown; ++i) {
      const PairResult& pair = report.pairs[i];
      out << fmt::format("{:>4}  {:>10.3f}  {:>7}  {:>7}  {:>9}  {}  {}\n", i + 1, pair.similarity,
                         pair.longest_fragment, pair.matched_tokens, pair.fragments.size(),
                         Fit(Printable(report.submissions[pair.left].student), 24),
                         Printable(report.submissions[pair.right].student));
    }
    if (shown < report.pairs.size()) {
      out << fmt::format("({} more pairs; --top 0 lists all)\n", report.pairs.size() - shown);
    }
    out << "longest and matched are in tokens.\n";
  }

  out << fmt::format("\nClusters (pairs with similarity >= {:.2f}): {}\n", report.options.threshold,
                     report.clusters.size());
  for (std::size_t c = 0; c < report.clusters.size(); ++c) {
    const Cluster& cluster = report.clusters[c];
    constexpr std::size_t kMaxNamesShown = 12;
    std::string members;
    for (std::size_t m = 0; m < cluster.members.size() && m < kMaxNamesShown; ++m) {
      members += (m == 0 ? "" : ", ") + Printable(report.submissions[cluster.members[m]].student);
    }
    if (cluster.members.size() > kMaxNamesShown) {
      members += fmt::format(" and {} more", cluster.members.size() - kMaxNamesShown);
    }
    out << fmt::format("{:>4}. {} students, {} pairs, max {:.3f}: {}\n", c + 1,
                       cluster.members.size(), cluster.pairs, cluster.max_similarity, members);
  }

  if (!report.notices.empty()) {
    out << fmt::format("\nNotices: {}\n", report.notices.size());
    for (const Notice& notice : report.notices) {
      const std::string where =
          notice.line > 0 ? fmt::format("{}:{}", notice.path, notice.line) : notice.path;
      out << fmt::format("  {:<8} {}: {}\n", NoticeSeverityName(notice.severity), Printable(where),
                         Printable(notice.message));
    }
  }
}

}  // namespace exam::similarity
