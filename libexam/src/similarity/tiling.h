// Greedy string tiling between two token streams (see tiling.cc). A
// KgramTable is read-only once built and may be shared; a Tiler holds scratch
// buffers and belongs to one thread.
#pragma once

#include <cstdint>
#include <vector>

namespace exam::similarity::internal {

// One side of a comparison: token kinds, their k-gram hashes (HashKgrams)
// and the mask of tokens that may not be matched.
struct TokenView {
  const std::vector<uint32_t>* kinds = nullptr;
  const std::vector<uint64_t>* hashes = nullptr;
  const std::vector<uint8_t>* masked = nullptr;
};

// A maximal run of equal tokens: left[i .. i + length) equals right[j .. j + length).
struct Tile {
  uint32_t left = 0;
  uint32_t right = 0;
  uint32_t length = 0;
};

// A hash table from k-gram hash to the positions where it starts, built once
// for the left side and probed with every right side compared to it.
class KgramTable {
 public:
  explicit KgramTable(const std::vector<uint64_t>& hashes);

  // Calls visit(position) for each left position whose k-gram hash is `hash`,
  // at most kMaxPositionsPerHash of them.
  template <class Visit>
  void ForEach(uint64_t hash, Visit&& visit) const {
    if (slots_.empty()) {
      return;
    }
    std::size_t slot = hash & mask_;
    while (slots_[slot].head != kEmpty) {
      if (slots_[slot].hash == hash) {
        uint32_t visited = 0;
        for (uint32_t p = slots_[slot].head; p != kEmpty && visited < kMaxPositionsPerHash;
             p = next_[p], ++visited) {
          visit(p);
        }
        return;
      }
      slot = (slot + 1) & mask_;
    }
  }

  // NOTE: a k-gram repeated more often than this within one submission (a
  // long run of identical lines) seeds matches from its first occurrences
  // only, which bounds the work per pair. Such repetition is rare in exam code.
  static constexpr uint32_t kMaxPositionsPerHash = 32;

 private:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  struct Slot {
    uint64_t hash = 0;
    uint32_t head = kEmpty;
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> next_;
  std::size_t mask_ = 0;
};

class Tiler {
 public:
  // Returns the tiles of at least `min_length` tokens that greedy string
  // tiling finds between `left` and `right`, in the order they were chosen
  // (longest first). When `mark_left` is false a left token may be covered
  // by several tiles, which is how base code is removed from every place a
  // student repeated it. REQUIRES: `table` was built from left.hashes and
  // the hashes were computed with k == min_length.
  std::vector<Tile> Run(const TokenView& left, const KgramTable& table, const TokenView& right,
                        uint32_t min_length, bool mark_left = true);

 private:
  std::vector<uint8_t> left_marks_;
  std::vector<uint8_t> right_marks_;
};

}  // namespace exam::similarity::internal
