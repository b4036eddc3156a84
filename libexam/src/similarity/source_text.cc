// Text repair before tokenizing. Students' files come from every editor and
// operating system, so a BOM, CRLF endings or a stray Latin-1 byte must not
// change the tokens. Invalid UTF-8 is replaced per maximal invalid sequence
// with U+FFFD, the substitution that the Unicode standard recommends.
#include "exam/similarity/source_text.h"

#include <cstdint>

namespace exam::similarity {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Returns the length of the valid UTF-8 sequence starting at `text[i]`, or 0.
std::size_t ValidSequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<uint8_t>(text[i + k]); };
  const auto continuation = [&](std::size_t k) {
    return i + k < text.size() && (byte(k) & 0xC0) == 0x80;
  };
  const uint8_t lead = byte(0);
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return continuation(1) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) {
      return 0;
    }
    const uint8_t second = byte(1);
    if (lead == 0xE0 && second < 0xA0) {
      return 0;  // overlong
    }
    if (lead == 0xED && second >= 0xA0) {
      return 0;  // UTF-16 surrogate
    }
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) {
      return 0;
    }
    const uint8_t second = byte(1);
    if ((lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second >= 0x90)) {
      return 0;  // overlong or above U+10FFFF
    }
    return 4;
  }
  return 0;
}

}  // namespace

CleanedText CleanSourceText(std::string_view raw) {
  CleanedText result;
  if (raw.starts_with("\xEF\xBB\xBF")) {
    result.had_bom = true;
    raw.remove_prefix(3);
  }
  result.text.reserve(raw.size());

  std::size_t line = 1;
  std::size_t i = 0;
  while (i < raw.size()) {
    const char c = raw[i];
    if (c == '\r') {
      if (i + 1 < raw.size() && raw[i + 1] == '\n') {
        ++result.crlf_line_endings;
        ++i;
      } else {
        ++result.lone_carriage_returns;
      }
      result.text.push_back('\n');
      ++line;
      ++i;
      continue;
    }
    if (c == '\n') {
      ++line;
    }

    const std::size_t length = ValidSequenceLength(raw, i);
    if (length == 0) {
      if (result.invalid_utf8_sequences++ == 0) {
        result.first_invalid_line = line;
      }
      result.text.append(kReplacementCharacter);
      // Skip the lead byte and any continuation bytes that follow it.
      ++i;
      while (i < raw.size() && (static_cast<uint8_t>(raw[i]) & 0xC0) == 0x80) {
        ++i;
      }
      continue;
    }
    result.text.append(raw.substr(i, length));
    i += length;
  }
  return result;
}

bool LooksBinary(std::string_view bytes) {
  return bytes.find('\0') != std::string_view::npos;
}

}  // namespace exam::similarity
