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
//   0.75) are code that the task itself dictates or that the course taught. Their
//   tokens are masked like base code, so they neither propose pairs nor count
//   as matches. Never fewer than 4 submissions are needed for this, so three
//   students who copied from each other in a class of ten are still reported.
// - A posting list longer than kFullyCounted is sampled: it is counted with
//   probability kFullyCounted / p and then weighs p / kFullyCounted. Counting
//   pairs costs p^2 per list of p submissions, so without sampling a list
//   that every student shares would make candidate generation quadratic.
//   The shared count of a pair stays an unbiased estimate.
//
// Aligning every candidate is still quadratic when all students share some
// code, as they do on one small task. So each candidate gets an estimate and
// only each submission's most promising candidates are aligned (see
// kAlignedPartners in analysis.cc). The estimate weighs each shared
// fingerprint by its rarity, log(1 + n / p) for a fingerprint in p of n
// submissions, and divides by the same sum for the smaller submission. This
// works because a copy shares the rare fingerprints of its source, while
// independent solutions of one task mostly share the frequent ones.
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

// Returns the sampling weight of a posting list of `size` submissions: 1
// when it is short, else 0 or size / kFullyCounted, chosen by the fingerprint
// hash so that runs are reproducible. Hashes are uniform, so their top bits
// are a fair draw.
double SampleWeight(uint64_t hash, std::size_t size) {
  constexpr uint32_t kFull = FingerprintIndex::kFullyCounted;
  if (size <= kFull) {
    return 1.0;
  }
  const double probability = static_cast<double>(kFull) / static_cast<double>(size);
  const double draw = static_cast<double>(hash >> 11) / static_cast<double>(1ULL << 53);
  return draw < probability ? 1.0 / probability : 0.0;
}

// Returns the rarity weight of a fingerprint found in `size` of `total`
// submissions: its inverse document frequency, log(1 + total / size).
double Rarity(std::size_t size, double total) {
  return std::log1p(total / static_cast<double>(size));
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
    : lists_of_submission_(prepared.size()), total_weight_(prepared.size(), 0.0) {
  const std::vector<Entry> entries = SortedEntries(prepared, &include);
  const auto indexed = static_cast<double>(std::count(include.begin(), include.end(), true));
  submissions_.reserve(entries.size());
  for (std::size_t begin = 0; begin < entries.size();) {
    std::size_t end = begin;
    while (end < entries.size() && entries[end].hash == entries[begin].hash) {
      ++end;
    }
    const double rarity = Rarity(end - begin, indexed);
    for (std::size_t e = begin; e < end; ++e) {
      total_weight_[entries[e].submission] += rarity;
    }
    if (end - begin >= 2) {
      const auto list = static_cast<uint32_t>(offsets_.size());
      offsets_.push_back(static_cast<uint32_t>(submissions_.size()));
      list_weights_.push_back(rarity * SampleWeight(entries[begin].hash, end - begin));
      for (std::size_t e = begin; e < end; ++e) {
        submissions_.push_back(entries[e].submission);
        lists_of_submission_[entries[e].submission].push_back(list);
      }
    }
    begin = end;
  }
  offsets_.push_back(static_cast<uint32_t>(submissions_.size()));
}

void FingerprintIndex::FindPartners(uint32_t submission, std::vector<double>& weights,
                                    std::vector<Partner>& partners) const {
  std::vector<uint32_t> found;
  for (uint32_t list : lists_of_submission_[submission]) {
    const double weight = list_weights_[list];
    if (weight == 0.0) {
      continue;
    }
    for (uint32_t e = offsets_[list]; e < offsets_[list + 1]; ++e) {
      const uint32_t other = submissions_[e];
      if (other == submission) {
        continue;
      }
      if (weights[other] == 0.0) {
        found.push_back(other);
      }
      weights[other] += weight;
    }
  }
  for (uint32_t other : found) {
    partners.push_back({other, weights[other]});
    weights[other] = 0.0;
  }
}

}  // namespace exam::similarity::internal
