// k-gram hashing and winnowing over token kinds (see winnowing.cc).
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace exam::similarity::internal {

// The hash of a k-gram that contains a masked token: such a k-gram never
// becomes a fingerprint and never seeds a match.
inline constexpr uint64_t kNoHash = std::numeric_limits<uint64_t>::max();

// Returns the hash of the k-gram starting at each position, n - k + 1 values
// (none when n < k). A k-gram with a token for which `masked` is nonzero
// gets kNoHash. REQUIRES: masked.size() == kinds.size(), k >= 1.
std::vector<uint64_t> HashKgrams(const std::vector<uint32_t>& kinds,
                                 const std::vector<uint8_t>& masked, uint32_t k);

struct Fingerprint {
  uint64_t hash = 0;
  uint32_t position = 0;  // first token of the k-gram
};

// Selects fingerprints from k-gram hashes by robust winnowing with a window
// of `window` hashes. REQUIRES: window >= 1.
std::vector<Fingerprint> Winnow(const std::vector<uint64_t>& hashes, uint32_t window);

}  // namespace exam::similarity::internal
