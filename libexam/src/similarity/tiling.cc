// Alignment of two token streams by greedy string tiling (Wise, "String
// similarity via greedy string tiling and running Karp-Rabin matching",
// 1993), the method of JPlag.
//
// Greedy string tiling repeatedly takes the longest run of tokens that is
// equal on both sides and not yet covered (a tile), marks it covered, and
// stops when no uncovered run of at least the minimum match length is left.
// Because tiles are taken wherever they are, moving a function or swapping
// two independent statements costs only the tokens at the seams, and a
// block of inserted dead code only splits one tile into two.
//
// Implementation. Every common run of at least k tokens starts with a
// shared k-gram, so the k-gram hashes already computed for winnowing seed the
// search: the left side's hashes go into a KgramTable once, and each right
// k-gram is looked up in it. A seed that is not the start of its diagonal
// run is skipped, and the others are extended to maximal runs, so each
// maximal common run is found once: O(n + m) lookups plus the run lengths.
// Taking the longest remaining run first is then a priority queue: a popped
// run that has become partly covered is split into its uncovered pieces,
// which go back into the queue when still long enough. Every uncovered
// common run lies inside some maximal run, so this yields the same tiles as
// the textbook loop that rescans both streams after each round.
//
// The minimum match length equals k (12 tokens by default): shorter runs are
// common between independent solutions ("if ID == NUM : NEWLINE INDENT
// return ID"), so they are noise, not evidence.
#include "tiling.h"

#include <algorithm>
#include <bit>
#include <queue>

#include "winnowing.h"

namespace exam::similarity::internal {

KgramTable::KgramTable(const std::vector<uint64_t>& hashes) {
  if (hashes.empty()) {
    return;
  }
  const std::size_t capacity = std::bit_ceil(hashes.size() * 2);
  slots_.resize(capacity);
  mask_ = capacity - 1;
  next_.assign(hashes.size(), kEmpty);

  // Insert from the back so that each chain lists positions in ascending order.
  for (std::size_t i = hashes.size(); i-- > 0;) {
    const uint64_t hash = hashes[i];
    if (hash == kNoHash) {
      continue;
    }
    std::size_t slot = hash & mask_;
    while (slots_[slot].head != kEmpty && slots_[slot].hash != hash) {
      slot = (slot + 1) & mask_;
    }
    next_[i] = slots_[slot].head;
    slots_[slot].hash = hash;
    slots_[slot].head = static_cast<uint32_t>(i);
  }
}

namespace {

struct LongerFirst {
  bool operator()(const Tile& a, const Tile& b) const {
    if (a.length != b.length) {
      return a.length < b.length;
    }
    if (a.left != b.left) {
      return a.left > b.left;
    }
    return a.right > b.right;
  }
};

}  // namespace

std::vector<Tile> Tiler::Run(const TokenView& left, const KgramTable& table, const TokenView& right,
                             uint32_t min_length, bool mark_left) {
  const std::vector<uint32_t>& a = *left.kinds;
  const std::vector<uint32_t>& b = *right.kinds;
  const std::vector<uint8_t>& a_masked = *left.masked;
  const std::vector<uint8_t>& b_masked = *right.masked;
  const std::vector<uint64_t>& b_hashes = *right.hashes;

  const auto matchable = [&](std::size_t i, std::size_t j) {
    return i < a.size() && j < b.size() && !a_masked[i] && !b_masked[j] && a[i] == b[j];
  };

  std::priority_queue<Tile, std::vector<Tile>, LongerFirst> runs;
  for (std::size_t j = 0; j < b_hashes.size(); ++j) {
    if (b_hashes[j] == kNoHash) {
      continue;
    }
    table.ForEach(b_hashes[j], [&](uint32_t i) {
      if (i > 0 && j > 0 && matchable(i - 1, j - 1)) {
        return;  // inside a run that starts earlier on the same diagonal
      }
      uint32_t length = 0;
      while (matchable(i + length, j + length)) {
        ++length;
      }
      if (length >= min_length) {
        runs.push({i, static_cast<uint32_t>(j), length});
      }
    });
  }

  left_marks_.assign(a.size(), 0);
  right_marks_.assign(b.size(), 0);
  std::vector<Tile> tiles;
  while (!runs.empty()) {
    const Tile run = runs.top();
    runs.pop();

    const auto covered = [&](uint32_t t) {
      return (mark_left && left_marks_[run.left + t]) || right_marks_[run.right + t];
    };
    bool intact = true;
    for (uint32_t t = 0; t < run.length && intact; ++t) {
      intact = !covered(t);
    }
    if (intact) {
      tiles.push_back(run);
      std::fill_n(right_marks_.begin() + run.right, run.length, 1);
      if (mark_left) {
        std::fill_n(left_marks_.begin() + run.left, run.length, 1);
      }
      continue;
    }

    // Requeue the uncovered pieces that are still long enough.
    uint32_t start = 0;
    for (uint32_t t = 0; t <= run.length; ++t) {
      if (t < run.length && !covered(t)) {
        continue;
      }
      if (t - start >= min_length) {
        runs.push({run.left + start, run.right + start, t - start});
      }
      start = t + 1;
    }
  }
  return tiles;
}

}  // namespace exam::similarity::internal
