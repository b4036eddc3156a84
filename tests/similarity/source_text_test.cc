#include "exam/similarity/source_text.h"

#include <catch2/catch.hpp>

using exam::similarity::CleanSourceText;
using exam::similarity::LooksBinary;

TEST_CASE("clean text removes byte order mark") {
  const auto cleaned = CleanSourceText("\xEF\xBB\xBFx = 1\n");
  CHECK(cleaned.had_bom);
  CHECK(cleaned.text == "x = 1\n");
}

TEST_CASE("clean text converts CRLF and lone CR") {
  const auto cleaned = CleanSourceText("a\r\nb\rc\n");
  CHECK(cleaned.text == "a\nb\nc\n");
  CHECK(cleaned.crlf_line_endings == 1);
  CHECK(cleaned.lone_carriage_returns == 1);
}

TEST_CASE("clean text replaces invalid UTF-8") {
  const auto cleaned = CleanSourceText("ok\nna\xEFve = 1\n\xC3\x28\n");
  CHECK(cleaned.invalid_utf8_sequences == 2);
  CHECK(cleaned.first_invalid_line == 2);
  CHECK(cleaned.text == "ok\nna\xEF\xBF\xBDve = 1\n\xEF\xBF\xBD(\n");
}

TEST_CASE("clean text rejects overlong and surrogate encodings") {
  CHECK(CleanSourceText("\xC0\xAF").invalid_utf8_sequences == 1);
  CHECK(CleanSourceText("\xED\xA0\x80").invalid_utf8_sequences == 1);
  CHECK(CleanSourceText("\xF4\x90\x80\x80").invalid_utf8_sequences == 1);
}

TEST_CASE("clean text keeps valid UTF-8 unchanged") {
  const std::string text = "s = 'größe ✓ 😀'\n";
  const auto cleaned = CleanSourceText(text);
  CHECK(cleaned.text == text);
  CHECK(cleaned.invalid_utf8_sequences == 0);
  CHECK_FALSE(cleaned.had_bom);
}

TEST_CASE("binary detection uses NUL bytes") {
  CHECK(LooksBinary(std::string("ab\0cd", 5)));
  CHECK_FALSE(LooksBinary("plain text"));
}
