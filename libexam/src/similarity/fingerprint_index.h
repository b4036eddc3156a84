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

  // A submission that shares fingerprints with `submission`.
  struct Partner {
    uint32_t submission;
    // The summed rarity weight of the fingerprints in common, estimated:
    // long posting lists are sampled (see ListWeight).
    double shared;
  };

  // Appends to `partners` every other submission that shares a counted
  // posting list with `submission`. `weights` is scratch space of one entry
  // per submission, all zero on entry and on return.
  void FindPartners(uint32_t submission, std::vector<double>& weights,
                    std::vector<Partner>& partners) const;

  // Returns the summed rarity weight of the distinct fingerprints of
  // `submission`, the most it can share with another.
  double TotalWeight(uint32_t submission) const { return total_weight_[submission]; }

  // Posting lists of up to this many submissions are always counted. A
  // longer list of p submissions is counted with probability kFullyCounted / p
  // and then weighs p / kFullyCounted, so the estimate stays unbiased while
  // the cost of a list grows with p instead of p^2.
  static constexpr uint32_t kFullyCounted = 160;

 private:
  std::vector<uint32_t> offsets_;      // per posting list, into submissions_; one extra at the end
  std::vector<double> list_weights_;   // per posting list: 0 when not sampled, else its weight
  std::vector<uint32_t> submissions_;  // posting lists, each ascending
  std::vector<std::vector<uint32_t>> lists_of_submission_;  // posting list ids per submission
  std::vector<double> total_weight_;                        // per submission
};

}  // namespace exam::similarity::internal
