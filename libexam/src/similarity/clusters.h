// Clusters of students connected by pairs at or above a threshold.
#pragma once

#include <cstddef>
#include <vector>

#include "exam/similarity/analysis.h"

namespace exam::similarity::internal {

// Returns the connected components of the graph whose edges are the pairs
// with similarity >= threshold, largest first. Students in no such pair are
// in no cluster.
std::vector<Cluster> FindClusters(const std::vector<PairResult>& pairs, std::size_t submissions,
                                  double threshold);

}  // namespace exam::similarity::internal
