// The inverted index from fingerprint to the submissions that contain it
// (see fingerprint_index.cc). Built once, then read by many threads.
#pragma once

#include <cstdint>
#include <unordered_set>
#include <vector>

#include "prepared_submission.h"

namespace exam::similarity::internal {

// Returns the hashes found in more than `max_share` of the submissions and in
// at least `min_submissions` of them.
std::unordered_set<uint64_t> FindCommonHashes(const std::vector<PreparedSubmission>& prepared,
                                              double max_share, uint32_t min_submissions);

class FingerprintIndex {
 public:
  // Indexes the fingerprints of the submissions for which `include` is true.
  FingerprintIndex(const std::vector<PreparedSubmission>& prepared,
                   const std::vector<bool>& include);

  // Appends to `partners` every submission after `submission` that shares a
  // fingerprint with it through a posting list of at most kMaxFanout
  // submissions. `counts` is scratch space of one entry per submission, all
  // zero on entry and on return.
  void FindPartners(uint32_t submission, std::vector<uint32_t>& counts,
                    std::vector<uint32_t>& partners) const;

  // A fingerprint in more submissions than this proposes no candidate pairs,
  // which keeps candidate generation near-linear. It can still be matched
  // when the pair is a candidate through rarer fingerprints.
  static constexpr uint32_t kMaxFanout = 200;

 private:
  std::vector<uint32_t> offsets_;      // per posting list, into submissions_; one extra at the end
  std::vector<uint32_t> submissions_;  // posting lists, each ascending
  std::vector<std::vector<uint32_t>> lists_of_submission_;  // posting list ids per submission
};

}  // namespace exam::similarity::internal
