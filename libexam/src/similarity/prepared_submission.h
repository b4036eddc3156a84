// The per-submission state of one analysis run: repaired text, tokens, masks,
// k-gram hashes and fingerprints. Built by PrepareSubmission on one thread,
// then only read, except for MarkCommon.
#pragma once

#include <cstdint>
#include <vector>

#include "exam/similarity/analysis.h"
#include "exam/similarity/tokenizer.h"
#include "tiling.h"
#include "winnowing.h"

namespace exam::similarity::internal {

// The reason a token may not be matched.
enum Mask : uint8_t {
  kMatchable = 0,
  kFileBoundary = 1,  // the placeholder token between two files
  kBaseCode = 2,      // matched to the starter code
  kCommonCode = 3,    // inside a fingerprint shared by more than max_share of the submissions
};

// The kind of the placeholder token between two files.
inline constexpr uint32_t kBoundaryKind = 0xFFFFFFFFu;

struct PreparedSubmission {
  std::vector<Token> tokens;  // all files, with one kBoundaryKind token between files
  std::vector<uint32_t> kinds;
  std::vector<uint8_t> masked;  // a Mask per token
  std::vector<uint64_t> hashes;
  std::vector<Fingerprint> fingerprints;

  TokenView View() const { return {&kinds, &hashes, &masked}; }
};

// The base code, tokenized once and indexed for tiling against every submission.
struct PreparedBase {
  PreparedSubmission code;
  KgramTable table{std::vector<uint64_t>{}};
};

PreparedBase PrepareBase(const std::vector<SourceFile>& files, const Tokenizer& tokenizer,
                         const SimilarityOptions& options, std::vector<Notice>& notices);

// Repairs the text of `submission` in place, tokenizes it, masks its base
// code and computes its fingerprints. Problems go to `notices`.
PreparedSubmission PrepareSubmission(Submission& submission, const Tokenizer& tokenizer,
                                     const PreparedBase& base, const SimilarityOptions& options,
                                     Tiler& tiler, std::vector<Notice>& notices);

// Masks the tokens of every k-gram whose hash `is_common` accepts, then
// recomputes the hashes and fingerprints. All k-grams are checked, not only
// the selected fingerprints, so a common block is masked up to its last
// common k-gram. NOTE: the last few tokens of a common block may stay
// unmasked when no k-gram that ends there was common; they can join a
// neighbouring match.
template <class IsCommon>
void MarkCommon(PreparedSubmission& prepared, uint32_t k, uint32_t window, IsCommon&& is_common) {
  bool changed = false;
  for (std::size_t position = 0; position < prepared.hashes.size(); ++position) {
    const uint64_t hash = prepared.hashes[position];
    if (hash == kNoHash || !is_common(hash)) {
      continue;
    }
    for (std::size_t t = position; t < position + k; ++t) {
      if (prepared.masked[t] == kMatchable) {
        prepared.masked[t] = kCommonCode;
      }
    }
    changed = true;
  }
  if (changed) {
    prepared.hashes = HashKgrams(prepared.kinds, prepared.masked, k);
    prepared.fingerprints = Winnow(prepared.hashes, window);
  }
}

SubmissionSummary Summarize(const PreparedSubmission& prepared, uint32_t k);

}  // namespace exam::similarity::internal
