// CSV as RFC 4180 describes it: comma-separated, fields optionally quoted
// with '"', '""' for a quote inside quotes, CRLF or LF line ends. Used for
// roster import and for exports that staff open in spreadsheet programs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "exam/error.h"

namespace exam {

struct CsvRecord {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

// Parses `text` into records. A leading UTF-8 byte order mark is skipped and
// blank lines are ignored. Fails on an unterminated quoted field, on text
// after a closing quote, and on invalid UTF-8, naming the line.
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text);

// Formats one field: quoted when it contains a comma, quote, CR or LF. A field
// that starts with '=', '+', '-', '@', a tab or a CR gets a leading apostrophe,
// so a spreadsheet shows it as text instead of running it as a formula.
std::string CsvField(std::string_view value);

// Joins already-formatted fields into one line ending in CRLF.
std::string CsvLine(const std::vector<std::string>& values);

// Returns whether `text` is valid UTF-8 (no overlong forms, no surrogates).
bool IsValidUtf8(std::string_view text);

// Returns the number of code points in `text`. Every byte except a
// continuation byte (10xxxxxx) counts as one, so only valid UTF-8 gives a
// meaningful count.
std::size_t CountCodePoints(std::string_view text);

}  // namespace exam
