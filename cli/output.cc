#include "output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "exam/csv.h"

namespace examctl {

namespace {

// Counts code points, so names with accents line up.
std::size_t DisplayWidth(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) {
      ++width;
    }
  }
  return width;
}

}  // namespace

void PrintTable(std::FILE* out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const std::string& title : header) {
    widths.push_back(DisplayWidth(title));
  }
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) {
        line.append(widths[i] - DisplayWidth(cells[i]) + 2, ' ');
      }
    }
    std::fprintf(out, "%s\n", line.c_str());
  };
  print_row(header);
  for (const auto& row : rows) {
    print_row(row);
  }
}

void PrintCsv(std::FILE* out, const std::vector<std::string>& header,
              const std::vector<std::vector<std::string>>& rows) {
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::vector<std::string> fields;
    for (const std::string& cell : cells) {
      fields.push_back(exam::CsvField(cell));
    }
    const std::string line = exam::CsvLine(fields);
    std::fwrite(line.data(), 1, line.size(), out);
  };
  print_row(header);
  for (const auto& row : rows) {
    print_row(row);
  }
}

std::string Cell(const nlohmann::json& value) {
  if (value.is_null()) {
    return "";
  }
  if (value.is_string()) {
    return value.get<std::string>();
  }
  return value.dump();
}

exam::Result<std::FILE*> OpenOutput(const std::string& path) {
  if (path.empty() || path == "-") {
    return stdout;
  }
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) {
    return exam::InvalidArgument(
        fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }
  return file;
}

}  // namespace examctl
