// Cross-student similarity: ranks pairs of submissions by how much code they
// share, with the matched fragments on both sides and clusters of students
// connected by strong pairs. The result is evidence for a person to review,
// never a verdict. AnalyzeSimilarity is safe to call from several threads at
// once on different inputs; it starts its own worker threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exam/error.h"
#include "exam/log.h"
#include "exam/similarity/notice.h"
#include "exam/similarity/progress.h"
#include "exam/similarity/submission.h"
#include "exam/similarity/tokenizer.h"

namespace exam::similarity {

// Parameters of the pipeline. The defaults were tuned on the labelled corpus
// of bench/similarity (figures in docs/benchmarks.md). The source file of the
// stage that uses each one gives the reasons.
struct SimilarityOptions {
  std::string language = "python";
  // Length in tokens of the hashed k-grams, and the shortest fragment that
  // counts as a match. Shorter code is ignored.
  uint32_t min_match_tokens = 12;
  // Winnowing window in k-grams: any match of min_match_tokens + window - 1
  // tokens or more is certain to share a fingerprint.
  uint32_t window = 8;
  // Code found in more than this share of the submissions is ignored like
  // base code, but only when that is at least kMinCommonSubmissions students.
  // On the labelled corpus of bench/similarity, 0.75 ranked copies best: at
  // 0.5 and below the forms of a function that many students chose on their
  // own were dropped, and copies of them with it.
  double max_share = 0.75;
  // Pairs at or above this similarity join their students into a cluster.
  // Independent solutions of one short task often reach 0.6 to 0.8.
  double threshold = 0.8;
  // Worker threads; 0 means one per hardware thread.
  unsigned threads = 0;
  // Starter code given to every student; matches against it never count.
  std::vector<SourceFile> base_files;
};

// Code shared by fewer students than this is never treated as common, however
// small the class, so a group of three who copied is still reported.
inline constexpr uint32_t kMinCommonSubmissions = 4;

// Returns an error naming the option and its valid range, or ok.
Status ValidateOptions(const SimilarityOptions& options);

// One side of a fragment: a contiguous run of tokens within one file.
struct FragmentSide {
  uint32_t file = 0;         // index into the submission's files
  uint32_t first_token = 0;  // index into the submission's token stream
  Position begin;            // first character of the first token
  Position end;              // one past the last character of the last token
};

// A matched region: the same normalised token run on both sides.
struct Fragment {
  FragmentSide left;
  FragmentSide right;
  uint32_t tokens = 0;
};

struct PairResult {
  uint32_t left = 0;  // index into SimilarityReport::submissions, left < right
  uint32_t right = 0;
  // Matched tokens on both sides over compared tokens on both sides, 0 to 1.
  // Base and common code count in neither.
  double similarity = 0.0;
  uint32_t longest_fragment = 0;    // tokens
  uint32_t matched_tokens = 0;      // tokens covered by fragments, on each side
  std::vector<Fragment> fragments;  // in the order of the left side
};

// Students connected, directly or through others, by pairs at or above the
// threshold.
struct Cluster {
  std::vector<uint32_t> members;  // submission indexes, ascending
  double max_similarity = 0.0;    // of the pairs inside the cluster
  uint32_t pairs = 0;             // pairs at or above the threshold inside the cluster
};

// Per-submission figures.
struct SubmissionSummary {
  uint32_t tokens = 0;           // all tokens
  uint32_t base_tokens = 0;      // tokens matched to base code
  uint32_t common_tokens = 0;    // tokens of code shared by more than max_share of submissions
  uint32_t compared_tokens = 0;  // the rest: what similarity is measured on
  bool compared = false;         // false when too short to compare (a notice gives the reason)
};

struct SimilarityReport {
  SimilarityOptions options;
  // The inputs after text repair, in input order; fragments refer to these.
  std::vector<Submission> submissions;
  std::vector<SubmissionSummary> summaries;  // one per submission
  std::vector<PairResult> pairs;             // every pair with a fragment, best first
  std::vector<Cluster> clusters;             // largest first
  std::vector<Notice> notices;
  // Students left out before the analysis (no readable file), so that totals
  // in a report count every student. AnalyzeSimilarity leaves it empty; a
  // caller that loaded the submissions fills it.
  std::vector<std::string> unreadable_students;
  uint64_t candidate_pairs = 0;  // pairs sharing a fingerprint
  // Candidates aligned token by token: each submission's most promising
  // partners (see analysis.cc). Pairs not aligned are not listed.
  uint64_t aligned_pairs = 0;
};

struct AnalysisHooks {
  ProgressObserver* progress = nullptr;
  LogSink* log = nullptr;
};

// Runs the whole pipeline on `submissions`. Returns kInvalidArgument for
// invalid options, duplicate student labels or an unknown language. Problems
// inside files become notices in the report, never errors.
Result<SimilarityReport> AnalyzeSimilarity(std::vector<Submission> submissions,
                                           const SimilarityOptions& options,
                                           const AnalysisHooks& hooks = {});

}  // namespace exam::similarity
