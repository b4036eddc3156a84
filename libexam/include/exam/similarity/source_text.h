// Repair of raw file bytes into the form tokenizers expect: valid UTF-8,
// "\n" line endings and no byte order mark. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace exam::similarity {

struct CleanedText {
  std::string text;
  bool had_bom = false;                    // a UTF-8 byte order mark was removed
  std::size_t crlf_line_endings = 0;       // "\r\n" pairs turned into "\n"
  std::size_t lone_carriage_returns = 0;   // "\r" without "\n", turned into "\n"
  std::size_t invalid_utf8_sequences = 0;  // each replaced with U+FFFD
  std::size_t first_invalid_line = 0;      // 1-based line of the first invalid sequence, 0 if none
};

CleanedText CleanSourceText(std::string_view raw);

// Returns true when `bytes` contains a NUL byte, the usual sign of a binary file.
bool LooksBinary(std::string_view bytes);

}  // namespace exam::similarity
