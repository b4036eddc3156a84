// Tests of the internal stages: k-gram hashing, winnowing and tiling.
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <vector>

#include "tiling.h"
#include "winnowing.h"

namespace {

using namespace exam::similarity::internal;

std::vector<uint32_t> RandomKinds(std::size_t count, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<uint32_t> kinds(count);
  for (uint32_t& kind : kinds) {
    kind = random() % 40;
  }
  return kinds;
}

std::set<uint64_t> FingerprintSet(const std::vector<uint32_t>& kinds, uint32_t k, uint32_t w) {
  const std::vector<uint8_t> masked(kinds.size(), 0);
  std::set<uint64_t> hashes;
  for (const Fingerprint& fingerprint : Winnow(HashKgrams(kinds, masked, k), w)) {
    hashes.insert(fingerprint.hash);
  }
  return hashes;
}

struct Side {
  std::vector<uint32_t> kinds;
  std::vector<uint8_t> masked;
  std::vector<uint64_t> hashes;

  Side(std::vector<uint32_t> k, uint32_t length)
      : kinds(std::move(k)), masked(kinds.size(), 0), hashes(HashKgrams(kinds, masked, length)) {}
  TokenView View() const { return {&kinds, &hashes, &masked}; }
};

uint32_t Covered(const std::vector<Tile>& tiles) {
  uint32_t total = 0;
  for (const Tile& tile : tiles) {
    total += tile.length;
  }
  return total;
}

}  // namespace

TEST_CASE("k-gram hashes depend only on the window") {
  const std::vector<uint32_t> a = {1, 2, 3, 4, 5, 6};
  const std::vector<uint32_t> b = {9, 9, 3, 4, 5, 7};
  const std::vector<uint8_t> none(6, 0);
  const auto ha = HashKgrams(a, none, 3);
  const auto hb = HashKgrams(b, none, 3);
  REQUIRE(ha.size() == 4);
  CHECK(ha[2] == hb[2]);
  CHECK(ha[0] != hb[0]);
  CHECK(ha[3] != hb[3]);
}

TEST_CASE("masked token invalidates its k-grams") {
  const std::vector<uint32_t> kinds = {1, 2, 3, 4, 5};
  const std::vector<uint8_t> masked = {0, 0, 1, 0, 0};
  const auto hashes = HashKgrams(kinds, masked, 2);
  REQUIRE(hashes.size() == 4);
  CHECK(hashes[0] != kNoHash);
  CHECK(hashes[1] == kNoHash);
  CHECK(hashes[2] == kNoHash);
  CHECK(hashes[3] != kNoHash);
}

TEST_CASE("too short stream has no k-grams") {
  const std::vector<uint32_t> kinds = {1, 2};
  CHECK(HashKgrams(kinds, std::vector<uint8_t>(2, 0), 3).empty());
}

TEST_CASE("winnowing guarantees a shared fingerprint for long matches") {
  const uint32_t k = 5;
  const uint32_t w = 4;
  // A shared run of w + k - 1 tokens, embedded in unrelated text.
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    const std::vector<uint32_t> shared = RandomKinds(w + k - 1, seed);
    std::vector<uint32_t> a = RandomKinds(30, seed + 1000);
    std::vector<uint32_t> b = RandomKinds(25, seed + 2000);
    a.insert(a.begin() + 10, shared.begin(), shared.end());
    b.insert(b.begin() + 3, shared.begin(), shared.end());
    const auto fa = FingerprintSet(a, k, w);
    const auto fb = FingerprintSet(b, k, w);
    bool common = false;
    for (uint64_t hash : fa) {
      common = common || fb.contains(hash);
    }
    INFO("seed " << seed);
    CHECK(common);
  }
}

TEST_CASE("winnowing selects a fraction of positions") {
  const auto kinds = RandomKinds(5000, 7);
  const auto hashes = HashKgrams(kinds, std::vector<uint8_t>(kinds.size(), 0), 12);
  const auto selected = Winnow(hashes, 8);
  // About 2 / (w + 1) = 0.22 of the positions on random input.
  CHECK(selected.size() > hashes.size() / 6);
  CHECK(selected.size() < hashes.size() / 3);
}

TEST_CASE("winnowing a short stream keeps its minimum") {
  const std::vector<uint64_t> hashes = {5, 3, 9};
  const auto selected = Winnow(hashes, 8);
  REQUIRE(selected.size() == 1);
  CHECK(selected[0].position == 1);
}

TEST_CASE("tiling finds an identical stream as one tile") {
  const auto kinds = RandomKinds(100, 3);
  const Side a(kinds, 8);
  const Side b(kinds, 8);
  const KgramTable table(a.hashes);
  const auto tiles = Tiler().Run(a.View(), table, b.View(), 8);
  REQUIRE(tiles.size() == 1);
  CHECK(tiles[0].length == 100);
}

TEST_CASE("tiling survives reordered blocks") {
  const auto x = RandomKinds(40, 11);
  const auto y = RandomKinds(40, 12);
  const auto z = RandomKinds(40, 13);
  std::vector<uint32_t> first = x;
  first.insert(first.end(), y.begin(), y.end());
  first.insert(first.end(), z.begin(), z.end());
  std::vector<uint32_t> second = z;
  second.insert(second.end(), x.begin(), x.end());
  second.insert(second.end(), y.begin(), y.end());
  const Side a(first, 8);
  const Side b(second, 8);
  const KgramTable table(a.hashes);
  const auto tiles = Tiler().Run(a.View(), table, b.View(), 8);
  CHECK(Covered(tiles) == 120);
}

TEST_CASE("tiling splits around inserted code") {
  const auto x = RandomKinds(60, 21);
  std::vector<uint32_t> with_insert = x;
  const std::vector<uint32_t> dead = {90, 91, 92, 93, 94};
  with_insert.insert(with_insert.begin() + 30, dead.begin(), dead.end());
  const Side a(x, 8);
  const Side b(with_insert, 8);
  const KgramTable table(a.hashes);
  const auto tiles = Tiler().Run(a.View(), table, b.View(), 8);
  CHECK(tiles.size() == 2);
  CHECK(Covered(tiles) == 60);
}

TEST_CASE("tiling ignores matches shorter than the minimum") {
  const std::vector<uint32_t> a_kinds = {1, 2, 3, 4, 5, 6, 50, 51, 52, 53};
  const std::vector<uint32_t> b_kinds = {60, 61, 1, 2, 3, 4, 5, 6, 62, 63};
  const Side a(a_kinds, 7);
  const Side b(b_kinds, 7);
  const KgramTable table(a.hashes);
  CHECK(Tiler().Run(a.View(), table, b.View(), 7).empty());
}

TEST_CASE("tiling covers each token at most once") {
  // The right side repeats the left's code twice; only one copy can match.
  const auto x = RandomKinds(30, 31);
  std::vector<uint32_t> twice = x;
  twice.insert(twice.end(), x.begin(), x.end());
  const Side a(x, 8);
  const Side b(twice, 8);
  const KgramTable table(a.hashes);
  CHECK(Covered(Tiler().Run(a.View(), table, b.View(), 8)) == 30);
  // Without marking the left side both copies are covered, as base code needs.
  CHECK(Covered(Tiler().Run(a.View(), table, b.View(), 8, false)) == 60);
}

TEST_CASE("tiling never extends over masked tokens") {
  const auto x = RandomKinds(40, 41);
  Side a(x, 8);
  Side b(x, 8);
  b.masked[20] = 2;
  b.hashes = HashKgrams(b.kinds, b.masked, 8);
  const KgramTable table(a.hashes);
  const auto tiles = Tiler().Run(a.View(), table, b.View(), 8);
  CHECK(Covered(tiles) == 39);
  for (const Tile& tile : tiles) {
    CHECK((tile.right + tile.length <= 20 || tile.right > 20));
  }
}
