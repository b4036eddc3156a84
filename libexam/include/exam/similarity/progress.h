// Progress reporting for long similarity runs. The analysis calls the
// observer from its worker threads, so implementations must be thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace exam::similarity {

class ProgressObserver {
 public:
  virtual ~ProgressObserver() = default;

  // Reports that `done` of `total` units of `stage` are finished. Stages are
  // "reading files", "tokenizing" and "comparing pairs". Calls for one stage
  // arrive with non-decreasing `done`, but not necessarily for every unit.
  virtual void Update(std::string_view stage, std::size_t done, std::size_t total) = 0;
};

}  // namespace exam::similarity
