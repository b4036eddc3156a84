// Rendering of a similarity report as text, JSON, CSV or one self-contained
// HTML file. Rendering only reads the report, so several renderers may run on
// one report at once.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string_view>

#include "exam/similarity/analysis.h"

namespace exam::similarity {

enum class ReportFormat { kText, kJson, kCsv, kHtml };

// Parses "text", "json", "csv" or "html".
std::optional<ReportFormat> ParseReportFormat(std::string_view name);

struct RenderOptions {
  // Pairs to list, best first; 0 lists every pair. In HTML this also limits
  // the side-by-side views, which are the bulk of the file.
  std::size_t top = 0;
};

void RenderText(const SimilarityReport& report, const RenderOptions& options, std::ostream& out);
void RenderJson(const SimilarityReport& report, const RenderOptions& options, std::ostream& out);
void RenderCsv(const SimilarityReport& report, const RenderOptions& options, std::ostream& out);
void RenderHtml(const SimilarityReport& report, const RenderOptions& options, std::ostream& out);

void RenderReport(const SimilarityReport& report, ReportFormat format, const RenderOptions& options,
                  std::ostream& out);

}  // namespace exam::similarity
