// The similarity pipeline: prepare every submission (tokens, base code mask,
// fingerprints), mask common code, index the fingerprints, then align each
// candidate pair by greedy string tiling and score it. Each stage's file
// explains its method and parameters: python_tokenizer.cc, winnowing.cc,
// prepared_submission.cc (base code), fingerprint_index.cc (common code and
// candidates), tiling.cc (alignment).
//
// Threads: preparation, candidate selection and alignment are split by
// submission over a pool of std::thread workers, handed out one submission
// at a time because submissions differ in size and in partners. The pairs to
// align are grouped by their left submission, whose k-gram table is built
// once for the group.
#include "exam/similarity/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>

#include "clusters.h"
#include "fingerprint_index.h"
#include "parallel.h"
#include "prepared_submission.h"
#include "tiling.h"

namespace exam::similarity {

using internal::FingerprintIndex;
using internal::KgramTable;
using internal::PreparedSubmission;
using internal::Tile;
using internal::Tiler;

const char* NoticeSeverityName(NoticeSeverity severity) {
  switch (severity) {
    case NoticeSeverity::kNote:
      return "note";
    case NoticeSeverity::kWarning:
      return "warning";
    case NoticeSeverity::kSkipped:
      return "skipped";
  }
  return "warning";
}

Status ValidateOptions(const SimilarityOptions& options) {
  if (MakeTokenizer(options.language) == nullptr) {
    return InvalidArgument(
        fmt::format("language \"{}\" is not supported; use \"python\"", options.language));
  }
  if (options.min_match_tokens < 2 || options.min_match_tokens > 1000) {
    return InvalidArgument(fmt::format("minimum match length must be 2 to 1000 tokens, got {}",
                                       options.min_match_tokens));
  }
  if (options.window < 1 || options.window > 1000) {
    return InvalidArgument(
        fmt::format("winnowing window must be 1 to 1000 k-grams, got {}", options.window));
  }
  if (!(options.max_share > 0.0 && options.max_share <= 1.0)) {
    return InvalidArgument(fmt::format("maximum share must be greater than 0 and at most 1, got {}",
                                       options.max_share));
  }
  if (!(options.threshold >= 0.0 && options.threshold <= 1.0)) {
    return InvalidArgument(
        fmt::format("cluster threshold must be from 0 to 1, got {}", options.threshold));
  }
  return {};
}

namespace {

class ProgressCounter {
 public:
  ProgressCounter(ProgressObserver* observer, std::string_view stage, std::size_t total)
      : observer_(observer), stage_(stage), total_(total) {
    if (observer_ != nullptr) {
      observer_->Update(stage_, 0, total_);
    }
  }

  void Tick() { Advance(1); }

  void Advance(std::size_t units) {
    const std::size_t done = done_.fetch_add(units) + units;
    if (observer_ != nullptr) {
      observer_->Update(stage_, done, total_);
    }
  }

 private:
  ProgressObserver* observer_;
  std::string_view stage_;
  std::size_t total_;
  std::atomic<std::size_t> done_{0};
};

FragmentSide MakeSide(const PreparedSubmission& prepared, uint32_t first, uint32_t length) {
  const Token& begin = prepared.tokens[first];
  const Token& end = prepared.tokens[first + length - 1];
  return {begin.file, first, begin.begin, end.end};
}

PairResult ScorePair(uint32_t left, uint32_t right, const PreparedSubmission& a,
                     const PreparedSubmission& b, const SubmissionSummary& a_summary,
                     const SubmissionSummary& b_summary, std::vector<Tile> tiles) {
  PairResult pair;
  pair.left = left;
  pair.right = right;
  std::sort(tiles.begin(), tiles.end(),
            [](const Tile& x, const Tile& y) { return x.left < y.left; });
  for (const Tile& tile : tiles) {
    pair.fragments.push_back(
        {MakeSide(a, tile.left, tile.length), MakeSide(b, tile.right, tile.length), tile.length});
    pair.matched_tokens += tile.length;
    pair.longest_fragment = std::max(pair.longest_fragment, tile.length);
  }
  const double compared = a_summary.compared_tokens + b_summary.compared_tokens;
  pair.similarity = compared > 0 ? 2.0 * pair.matched_tokens / compared : 0.0;
  return pair;
}

// Every submission's best candidates by estimate are aligned, so each
// student's closest matches get exact fragments however much code the class
// shares, and the cost stays at most kAlignedPartners alignments per
// submission. NOTE: 32 is an assumption about the largest group that copies
// together in a course, not a measurement. In a larger group some pairs are
// not aligned, but the aligned pairs still join all members into one cluster.
constexpr std::size_t kAlignedPartners = 32;

// Returns the pairs to align as (left << 32 | right) with left < right,
// sorted and unique, and counts all candidate pairs into `candidates`.
std::vector<uint64_t> SelectPairsToAlign(const FingerprintIndex& index,
                                         const std::vector<bool>& compared, unsigned workers,
                                         uint64_t& candidates) {
  const std::size_t n = compared.size();
  std::vector<std::vector<uint64_t>> selected(workers);
  std::vector<std::vector<double>> weights(workers, std::vector<double>(n, 0.0));
  std::vector<std::vector<FingerprintIndex::Partner>> partners(workers);
  std::atomic<uint64_t> directed{0};

  internal::ParallelFor(n, workers, [&](std::size_t i, unsigned worker) {
    if (!compared[i]) {
      return;
    }
    std::vector<FingerprintIndex::Partner>& list = partners[worker];
    list.clear();
    index.FindPartners(static_cast<uint32_t>(i), weights[worker], list);
    directed += list.size();

    const double own = index.TotalWeight(static_cast<uint32_t>(i));
    const auto estimate = [&](const FingerprintIndex::Partner& partner) {
      const double other = index.TotalWeight(partner.submission);
      return partner.shared / std::max(1e-9, std::min(own, other));
    };
    const std::size_t kept = std::min(list.size(), kAlignedPartners);
    std::partial_sort(list.begin(), list.begin() + kept, list.end(),
                      [&](const auto& a, const auto& b) {
                        const double ea = estimate(a);
                        const double eb = estimate(b);
                        return ea != eb ? ea > eb : a.submission < b.submission;
                      });
    for (std::size_t p = 0; p < kept; ++p) {
      const uint64_t low = std::min<uint64_t>(i, list[p].submission);
      const uint64_t high = std::max<uint64_t>(i, list[p].submission);
      selected[worker].push_back(low << 32 | high);
    }
  });

  candidates = directed.load() / 2;
  std::vector<uint64_t> pairs;
  for (std::vector<uint64_t>& part : selected) {
    pairs.insert(pairs.end(), part.begin(), part.end());
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  return pairs;
}

Status CheckLabels(const std::vector<Submission>& submissions) {
  std::set<std::string_view> seen;
  for (const Submission& submission : submissions) {
    if (!seen.insert(submission.student).second) {
      return InvalidArgument(fmt::format(
          "student label \"{}\" is used by two submissions; give each submission a unique label",
          submission.student));
    }
  }
  return {};
}

}  // namespace

Result<SimilarityReport> AnalyzeSimilarity(std::vector<Submission> submissions,
                                           const SimilarityOptions& options,
                                           const AnalysisHooks& hooks) {
  if (Status valid = ValidateOptions(options); !valid) {
    return valid.error();
  }
  if (Status labels = CheckLabels(submissions); !labels) {
    return labels.error();
  }
  const auto started = std::chrono::steady_clock::now();
  const std::unique_ptr<Tokenizer> tokenizer = MakeTokenizer(options.language);
  const unsigned workers = internal::WorkerCount(options.threads);
  const uint32_t k = options.min_match_tokens;
  const std::size_t n = submissions.size();

  SimilarityReport report;
  report.options = options;
  const internal::PreparedBase base =
      internal::PrepareBase(options.base_files, *tokenizer, options, report.notices);

  // Stage 1: tokens, base code mask and fingerprints, per submission.
  std::vector<PreparedSubmission> prepared(n);
  std::vector<std::vector<Notice>> notices(n);
  {
    std::vector<Tiler> tilers(workers);
    ProgressCounter progress(hooks.progress, "tokenizing", n);
    internal::ParallelFor(n, workers, [&](std::size_t i, unsigned worker) {
      prepared[i] = internal::PrepareSubmission(submissions[i], *tokenizer, base, options,
                                                tilers[worker], notices[i]);
      progress.Tick();
    });
  }

  // Stage 2: mask code shared by more than max_share of the submissions.
  const std::unordered_set<uint64_t> common =
      internal::FindCommonHashes(prepared, options.max_share, kMinCommonSubmissions);
  if (!common.empty()) {
    internal::ParallelFor(n, workers, [&](std::size_t i, unsigned) {
      internal::MarkCommon(prepared[i], k, options.window,
                           [&](uint64_t hash) { return common.contains(hash); });
    });
  }

  report.summaries.resize(n);
  std::vector<bool> compared(n);
  for (std::size_t i = 0; i < n; ++i) {
    report.summaries[i] = internal::Summarize(prepared[i], k);
    compared[i] = report.summaries[i].compared;
    if (!compared[i]) {
      const SubmissionSummary& summary = report.summaries[i];
      const std::string reason =
          summary.tokens == 0 ? "no code to compare (empty, or only comments and docstrings)"
                              : fmt::format(
                                    "too short to compare: {} tokens outside base and common code, "
                                    "fewer than the minimum match of {}",
                                    summary.compared_tokens, k);
      notices[i].push_back({NoticeSeverity::kSkipped, submissions[i].student,
                            submissions[i].files.empty() ? "" : submissions[i].files[0].path, 0,
                            reason});
    }
  }

  // Stage 3: candidates from shared fingerprints; the promising ones are
  // aligned by tiling.
  const FingerprintIndex index(prepared, compared);
  const std::vector<uint64_t> to_align =
      SelectPairsToAlign(index, compared, workers, report.candidate_pairs);
  report.aligned_pairs = to_align.size();
  std::vector<std::vector<PairResult>> found(workers);
  {
    // Pairs are sorted by left submission; each group shares one KgramTable.
    std::vector<std::size_t> group_starts;
    for (std::size_t p = 0; p < to_align.size(); ++p) {
      if (p == 0 || (to_align[p] >> 32) != (to_align[p - 1] >> 32)) {
        group_starts.push_back(p);
      }
    }
    group_starts.push_back(to_align.size());

    std::vector<Tiler> tilers(workers);
    ProgressCounter progress(hooks.progress, "comparing pairs", to_align.size());
    internal::ParallelFor(group_starts.size() - 1, workers, [&](std::size_t g, unsigned worker) {
      const auto left = static_cast<uint32_t>(to_align[group_starts[g]] >> 32);
      const KgramTable table(prepared[left].hashes);
      for (std::size_t p = group_starts[g]; p < group_starts[g + 1]; ++p) {
        const auto right = static_cast<uint32_t>(to_align[p] & 0xFFFFFFFFu);
        std::vector<Tile> tiles =
            tilers[worker].Run(prepared[left].View(), table, prepared[right].View(), k);
        if (!tiles.empty()) {
          found[worker].push_back(ScorePair(left, right, prepared[left], prepared[right],
                                            report.summaries[left], report.summaries[right],
                                            std::move(tiles)));
        }
      }
      progress.Advance(group_starts[g + 1] - group_starts[g]);
    });
  }
  prepared.clear();
  prepared.shrink_to_fit();

  // Stage 4: rank, cluster and collect.
  for (std::vector<PairResult>& pairs : found) {
    std::move(pairs.begin(), pairs.end(), std::back_inserter(report.pairs));
  }
  std::sort(report.pairs.begin(), report.pairs.end(), [](const PairResult& a, const PairResult& b) {
    if (a.similarity != b.similarity) {
      return a.similarity > b.similarity;
    }
    if (a.longest_fragment != b.longest_fragment) {
      return a.longest_fragment > b.longest_fragment;
    }
    return a.left != b.left ? a.left < b.left : a.right < b.right;
  });
  report.clusters = internal::FindClusters(report.pairs, n, options.threshold);
  for (std::vector<Notice>& list : notices) {
    std::move(list.begin(), list.end(), std::back_inserter(report.notices));
  }
  report.submissions = std::move(submissions);

  if (hooks.log != nullptr) {
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    hooks.log->Write(LogLevel::kInfo, "similarity analysis finished",
                     {{"submissions", std::to_string(n)},
                      {"candidate_pairs", std::to_string(report.candidate_pairs)},
                      {"aligned_pairs", std::to_string(report.aligned_pairs)},
                      {"pairs_with_fragments", std::to_string(report.pairs.size())},
                      {"common_fingerprints", std::to_string(common.size())},
                      {"threads", std::to_string(workers)},
                      {"elapsed_ms", std::to_string(elapsed.count())}});
  }
  return report;
}

}  // namespace exam::similarity
