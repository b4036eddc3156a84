#include "exam/csv.h"

#include <fmt/format.h>

namespace exam {
namespace {

// Returns the offset of the first byte that starts an invalid UTF-8 sequence,
// or npos when `text` is valid UTF-8.
std::size_t FindInvalidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    int length;
    unsigned code_point;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code_point = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code_point = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return i;
    }
    if (i + length > text.size()) {
      return i;
    }
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) {
        return i;
      }
      code_point = (code_point << 6) | (next & 0x3F);
    }
    const unsigned minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < minimum[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

// Returns the 1-based line that contains `offset`, counting CRLF, LF and a
// lone CR as line ends, as ParseCsv does.
int LineAt(std::string_view text, std::size_t offset) {
  int line = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
      ++line;
    }
  }
  return line;
}

}  // namespace

bool IsValidUtf8(std::string_view text) { return FindInvalidUtf8(text) == std::string_view::npos; }

std::size_t CountCodePoints(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  }
  if (const std::size_t invalid = FindInvalidUtf8(text); invalid != std::string_view::npos) {
    return InvalidArgument(fmt::format(
        "line {}: the CSV file is not valid UTF-8; save it as UTF-8 and try again",
        LineAt(text, invalid)));
  }

  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  int line = 1;
  record.line = 1;
  bool in_quotes = false;
  bool after_quote = false;  // a quoted field just closed; only ',' or a line end may follow
  bool record_has_content = false;

  auto end_record = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    const bool blank = !record_has_content && record.fields.size() == 1 && record.fields[0].empty();
    if (!blank) {
      records.push_back(std::move(record));
    }
    record = CsvRecord{};
    record_has_content = false;
    after_quote = false;
  };

  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') {
          ++line;
        }
        field.push_back(c);
      }
      continue;
    }

    if (c == ',') {
      record.fields.push_back(std::move(field));
      field.clear();
      record_has_content = true;
      after_quote = false;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      end_record();
      ++line;
      record.line = line;
    } else if (after_quote) {
      return InvalidArgument(fmt::format(
          "line {}: unexpected text after a closing quote; write a quote inside a quoted field as \"\"",
          line));
    } else if (c == '"' && field.empty()) {
      in_quotes = true;
      record_has_content = true;
    } else {
      field.push_back(c);
      record_has_content = true;
    }
  }
  if (in_quotes) {
    return InvalidArgument(
        fmt::format("line {}: a quoted field is not closed; add the closing quote", record.line));
  }
  if (record_has_content || !field.empty()) {
    end_record();
  }
  return records;
}

std::string CsvField(std::string_view value) {
  std::string text;
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' ||
                         value[0] == '@' || value[0] == '\t' || value[0] == '\r')) {
    text.push_back('\'');
  }
  text.append(value);
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    return text;
  }

  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') {
      quoted.push_back('"');
    }
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string CsvLine(const std::vector<std::string>& values) {
  std::string line;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      line.push_back(',');
    }
    line += values[i];
  }
  line += "\r\n";
  return line;
}

}  // namespace exam
