// A minimal parallel loop over std::thread, used by the similarity stages.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace exam::similarity::internal {

// Returns `requested`, or the number of hardware threads when it is 0.
inline unsigned WorkerCount(unsigned requested) {
  if (requested > 0) {
    return requested;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// Calls body(index, worker) for each index in [0, count) on up to `workers`
// threads; worker is in [0, workers). Indexes are handed out one at a time,
// so uneven items balance. `body` must not throw.
template <class Body>
void ParallelFor(std::size_t count, unsigned workers, Body&& body) {
  workers = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, workers), count));
  if (workers <= 1) {
    for (std::size_t i = 0; i < count; ++i) {
      body(i, 0u);
    }
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (unsigned w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
        body(i, w);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
}

}  // namespace exam::similarity::internal
