// Candidate pairs from shared fingerprints.
//
// Comparing every pair of n submissions token by token costs n^2 / 2
// alignments, about 12.5 million at n = 5,000. Instead every submission's
// distinct fingerprints go into one sorted array of (hash, submission), which
// groups them into posting lists, and a pair becomes a candidate only when
// the two share a posting list. Only candidates are aligned. Pairs that share
// no fingerprint share no run of w + k - 1 tokens (the winnowing guarantee)
// and score 0 without being aligned.
//
// Two limits keep this near-linear in the total size of the submissions:
// - Fingerprints found in more than max_share of the submissions (default
//   0.2) are code that the task itself dictates or that the course taught. Their
//   tokens are masked like base code, so they neither propose pairs nor count
//   as matches. Never fewer than 4 submissions are needed for this, so three
//   students who copied from each other in a class of ten are still reported.
// - A posting list longer than kMaxFanout proposes no pairs, because its cost
//   grows with the square of its length. In a large course that is code shared
//   by many students, which is weak evidence that a pair copied.
#include "fingerprint_index.h"

#include <algorithm>
#include <cmath>

namespace exam::similarity::internal {
namespace {

struct Entry {
  uint64_t hash;
  uint32_t submission;
  bool operator<(const Entry& other) const {
    return hash != other.hash ? hash < other.hash : submission < other.submission;
  }
  bool operator==(const Entry& other) const = default;
};

std::vector<Entry> SortedEntries(const std::vector<PreparedSubmission>& prepared,
                                 const std::vector<bool>* include) {
  std::vector<Entry> entries;
  std::size_t total = 0;
  for (const PreparedSubmission& submission : prepared) {
    total += submission.fingerprints.size();
  }
  entries.reserve(total);
  for (std::size_t s = 0; s < prepared.size(); ++s) {
    if (include != nullptr && !(*include)[s]) {
      continue;
    }
    for (const Fingerprint& fingerprint : prepared[s].fingerprints) {
      entries.push_back({fingerprint.hash, static_cast<uint32_t>(s)});
    }
  }
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  return entries;
}

}  // namespace

std::unordered_set<uint64_t> FindCommonHashes(const std::vector<PreparedSubmission>& prepared,
                                              double max_share, uint32_t min_submissions) {
  const std::vector<Entry> entries = SortedEntries(prepared, nullptr);
  const double limit = max_share * static_cast<double>(prepared.size());

  std::unordered_set<uint64_t> common;
  for (std::size_t begin = 0; begin < entries.size();) {
    std::size_t end = begin;
    while (end < entries.size() && entries[end].hash == entries[begin].hash) {
      ++end;
    }
    const std::size_t count = end - begin;
    if (static_cast<double>(count) > limit && count >= min_submissions) {
      common.insert(entries[begin].hash);
    }
    begin = end;
  }
  return common;
}

FingerprintIndex::FingerprintIndex(const std::vector<PreparedSubmission>& prepared,
                                   const std::vector<bool>& include)
    : lists_of_submission_(prepared.size()) {
  const std::vector<Entry> entries = SortedEntries(prepared, &include);
  submissions_.reserve(entries.size());
  for (std::size_t begin = 0; begin < entries.size();) {
    std::size_t end = begin;
    while (end < entries.size() && entries[end].hash == entries[begin].hash) {
      ++end;
    }
    if (end - begin >= 2) {
      const auto list = static_cast<uint32_t>(offsets_.size());
      offsets_.push_back(static_cast<uint32_t>(submissions_.size()));
      for (std::size_t e = begin; e < end; ++e) {
        submissions_.push_back(entries[e].submission);
        lists_of_submission_[entries[e].submission].push_back(list);
      }
    }
    begin = end;
  }
  offsets_.push_back(static_cast<uint32_t>(submissions_.size()));
}

void FingerprintIndex::FindPartners(uint32_t submission, std::vector<uint32_t>& counts,
                                    std::vector<uint32_t>& partners) const {
  const std::size_t first_new = partners.size();
  for (uint32_t list : lists_of_submission_[submission]) {
    const uint32_t begin = offsets_[list];
    const uint32_t end = offsets_[list + 1];
    if (end - begin > kMaxFanout) {
      continue;
    }
    // Lists are ascending, so the partners after `submission` are a suffix.
    const auto* first =
        std::upper_bound(submissions_.data() + begin, submissions_.data() + end, submission);
    for (const uint32_t* other = first; other != submissions_.data() + end; ++other) {
      if (counts[*other]++ == 0) {
        partners.push_back(*other);
      }
    }
  }
  for (std::size_t i = first_new; i < partners.size(); ++i) {
    counts[partners[i]] = 0;
  }
}

}  // namespace exam::similarity::internal
