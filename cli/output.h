// Printing results: aligned text tables for people, CSV and JSON for scripts.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exam/error.h"

namespace examctl {

// Prints rows under a header, each column as wide as its widest cell.
void PrintTable(std::FILE* out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// Prints rows as CSV with a header line; cells that a spreadsheet would run
// as formulas are neutralised.
void PrintCsv(std::FILE* out, const std::vector<std::string>& header,
              const std::vector<std::vector<std::string>>& rows);

// Renders a JSON value as a table cell: strings as is, null as "", others as JSON.
std::string Cell(const nlohmann::json& value);

// Opens `path` for writing, or returns stdout for "" or "-". The caller
// closes what is not stdout.
exam::Result<std::FILE*> OpenOutput(const std::string& path);

}  // namespace examctl
