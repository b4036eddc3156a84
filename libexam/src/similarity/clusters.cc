#include "clusters.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace exam::similarity::internal {
namespace {

// Union-find with path halving.
class DisjointSets {
 public:
  explicit DisjointSets(std::size_t count) : parent_(count) {
    std::iota(parent_.begin(), parent_.end(), 0u);
  }

  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }

  void Join(uint32_t a, uint32_t b) { parent_[Find(a)] = Find(b); }

 private:
  std::vector<uint32_t> parent_;
};

}  // namespace

std::vector<Cluster> FindClusters(const std::vector<PairResult>& pairs, std::size_t submissions,
                                  double threshold) {
  DisjointSets sets(submissions);
  std::vector<bool> linked(submissions, false);
  for (const PairResult& pair : pairs) {
    if (pair.similarity >= threshold) {
      sets.Join(pair.left, pair.right);
      linked[pair.left] = linked[pair.right] = true;
    }
  }

  std::map<uint32_t, Cluster> by_root;
  for (uint32_t s = 0; s < submissions; ++s) {
    if (linked[s]) {
      by_root[sets.Find(s)].members.push_back(s);
    }
  }
  for (const PairResult& pair : pairs) {
    if (pair.similarity >= threshold) {
      Cluster& cluster = by_root[sets.Find(pair.left)];
      cluster.max_similarity = std::max(cluster.max_similarity, pair.similarity);
      ++cluster.pairs;
    }
  }

  std::vector<Cluster> clusters;
  for (auto& [root, cluster] : by_root) {
    clusters.push_back(std::move(cluster));
  }
  std::stable_sort(clusters.begin(), clusters.end(), [](const Cluster& a, const Cluster& b) {
    if (a.members.size() != b.members.size()) {
      return a.members.size() > b.members.size();
    }
    return a.max_similarity > b.max_similarity;
  });
  return clusters;
}

}  // namespace exam::similarity::internal
