// Helpers shared by the report renderers.
#pragma once

#include <cstddef>
#include <string>

#include "exam/similarity/analysis.h"

namespace exam::similarity::internal {

// Returns how many pairs to list: `top`, or all when top is 0.
std::size_t PairsToShow(const SimilarityReport& report, std::size_t top);

// Returns the path of file `file` of submission `submission`.
const std::string& FilePath(const SimilarityReport& report, uint32_t submission, uint32_t file);

// Returns "path:line:column-line:column" for one side of a fragment.
std::string FormatRange(const SimilarityReport& report, uint32_t submission,
                        const FragmentSide& side);

// Totals shown at the top of every report.
struct ReportTotals {
  std::size_t students = 0;      // including unreadable ones
  std::size_t compared = 0;      // long enough to compare
  std::size_t not_compared = 0;  // too short, or no code
  std::size_t unreadable = 0;    // skipped before the analysis
  std::size_t warnings = 0;      // notices of severity warning
};

ReportTotals CountTotals(const SimilarityReport& report);

// The sentence every report carries.
inline constexpr const char* kEvidenceNotice =
    "Similarity is evidence for a person to review, not proof of copying. Students who solve "
    "the same small task often write similar code.";

}  // namespace exam::similarity::internal
