// The similarity pipeline: prepare every submission (tokens, base code mask,
// fingerprints), mask common code, index the fingerprints, then align each
// candidate pair by greedy string tiling and score it. Each stage's file
// explains its method and parameters: python_tokenizer.cc, winnowing.cc,
// prepared_submission.cc (base code), fingerprint_index.cc (common code and
// candidates), tiling.cc (alignment).
//
// Threads: preparation and alignment are split by submission over a pool of
// std::thread workers. Alignment of submission i covers its candidates
// j > i, so every pair is aligned once; work is handed out one submission at
// a time because the early submissions have more partners.
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

  void Tick() {
    const std::size_t done = done_.fetch_add(1) + 1;
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

  // Stage 3: candidates from shared fingerprints, each aligned by tiling.
  const FingerprintIndex index(prepared, compared);
  std::vector<std::vector<PairResult>> found(workers);
  std::atomic<uint64_t> candidates{0};
  {
    struct Scratch {
      Tiler tiler;
      std::vector<uint32_t> counts;
      std::vector<uint32_t> partners;
    };
    std::vector<Scratch> scratch(workers);
    for (Scratch& s : scratch) {
      s.counts.assign(n, 0);
    }
    ProgressCounter progress(hooks.progress, "comparing pairs", n);
    internal::ParallelFor(n, workers, [&](std::size_t i, unsigned worker) {
      Scratch& s = scratch[worker];
      s.partners.clear();
      if (compared[i]) {
        index.FindPartners(static_cast<uint32_t>(i), s.counts, s.partners);
      }
      if (!s.partners.empty()) {
        candidates += s.partners.size();
        const KgramTable table(prepared[i].hashes);
        for (uint32_t j : s.partners) {
          std::vector<Tile> tiles = s.tiler.Run(prepared[i].View(), table, prepared[j].View(), k);
          if (!tiles.empty()) {
            found[worker].push_back(ScorePair(static_cast<uint32_t>(i), j, prepared[i], prepared[j],
                                              report.summaries[i], report.summaries[j],
                                              std::move(tiles)));
          }
        }
      }
      progress.Tick();
    });
  }
  report.candidate_pairs = candidates.load();
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
                      {"pairs_with_fragments", std::to_string(report.pairs.size())},
                      {"common_fingerprints", std::to_string(common.size())},
                      {"threads", std::to_string(workers)},
                      {"elapsed_ms", std::to_string(elapsed.count())}});
  }
  return report;
}

}  // namespace exam::similarity
