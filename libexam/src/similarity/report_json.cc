// The JSON report: everything in the report, for scripts and the server.
#include <nlohmann/json.hpp>

#include "exam/similarity/report.h"
#include "report_util.h"

namespace exam::similarity {
namespace {

using nlohmann::json;

json PositionJson(const Position& position) {
  return {{"line", position.line}, {"column", position.column}};
}

json SideJson(const SimilarityReport& report, uint32_t submission, const FragmentSide& side) {
  return {{"file", internal::FilePath(report, submission, side.file)},
          {"first_token", side.first_token},
          {"begin", PositionJson(side.begin)},
          {"end", PositionJson(side.end)}};
}

json PairJson(const SimilarityReport& report, const PairResult& pair, std::size_t rank) {
  json fragments = json::array();
  for (const Fragment& fragment : pair.fragments) {
    fragments.push_back({{"tokens", fragment.tokens},
                         {"left", SideJson(report, pair.left, fragment.left)},
                         {"right", SideJson(report, pair.right, fragment.right)}});
  }
  return {{"rank", rank},
          {"left", report.submissions[pair.left].student},
          {"right", report.submissions[pair.right].student},
          {"similarity", pair.similarity},
          {"longest_fragment", pair.longest_fragment},
          {"matched_tokens", pair.matched_tokens},
          {"fragments", std::move(fragments)}};
}

}  // namespace

void RenderJson(const SimilarityReport& report, const RenderOptions& options, std::ostream& out) {
  const internal::ReportTotals totals = internal::CountTotals(report);
  json submissions = json::array();
  for (std::size_t s = 0; s < report.submissions.size(); ++s) {
    const SubmissionSummary& summary = report.summaries[s];
    json files = json::array();
    for (const SourceFile& file : report.submissions[s].files) {
      files.push_back(file.path);
    }
    submissions.push_back({{"student", report.submissions[s].student},
                           {"files", std::move(files)},
                           {"tokens", summary.tokens},
                           {"base_tokens", summary.base_tokens},
                           {"common_tokens", summary.common_tokens},
                           {"compared_tokens", summary.compared_tokens},
                           {"compared", summary.compared}});
  }

  json pairs = json::array();
  const std::size_t shown = internal::PairsToShow(report, options.top);
  for (std::size_t i = 0; i < shown; ++i) {
    pairs.push_back(PairJson(report, report.pairs[i], i + 1));
  }

  json clusters = json::array();
  for (const Cluster& cluster : report.clusters) {
    json members = json::array();
    for (uint32_t member : cluster.members) {
      members.push_back(report.submissions[member].student);
    }
    clusters.push_back({{"students", std::move(members)},
                        {"pairs", cluster.pairs},
                        {"max_similarity", cluster.max_similarity}});
  }

  json notices = json::array();
  for (const Notice& notice : report.notices) {
    notices.push_back({{"severity", NoticeSeverityName(notice.severity)},
                       {"student", notice.student},
                       {"path", notice.path},
                       {"line", notice.line},
                       {"message", notice.message}});
  }

  const SimilarityOptions& o = report.options;
  json document = {{"notice", internal::kEvidenceNotice},
                   {"options",
                    {{"language", o.language},
                     {"min_match_tokens", o.min_match_tokens},
                     {"window", o.window},
                     {"max_share", o.max_share},
                     {"threshold", o.threshold},
                     {"base_files", o.base_files.size()}}},
                   {"totals",
                    {{"students", totals.students},
                     {"compared", totals.compared},
                     {"not_compared", totals.not_compared},
                     {"unreadable", totals.unreadable},
                     {"candidate_pairs", report.candidate_pairs},
                     {"aligned_pairs", report.aligned_pairs},
                     {"pairs_with_fragments", report.pairs.size()}}},
                   {"submissions", std::move(submissions)},
                   {"unreadable_students", report.unreadable_students},
                   {"pairs", std::move(pairs)},
                   {"clusters", std::move(clusters)},
                   {"notices", std::move(notices)}};
  // Text was repaired to valid UTF-8, but labels and paths come from file
  // names; replacing keeps one odd name from aborting the whole report.
  out << document.dump(1, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace exam::similarity
