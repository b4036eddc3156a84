#include "exam/csv.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using Fields = std::vector<std::string>;

struct CsvCase {
  const char* name;
  std::string text;
  std::vector<Fields> records;
};

}  // namespace

TEST_CASE("csv parser reads valid inputs") {
  const std::vector<CsvCase> cases = {
      {"plain LF", "a,b\nc,d\n", {{"a", "b"}, {"c", "d"}}},
      {"CRLF line ends", "a,b\r\nc,d\r\n", {{"a", "b"}, {"c", "d"}}},
      {"no final line end", "a,b\nc,d", {{"a", "b"}, {"c", "d"}}},
      {"quoted field with comma", "\"Lovelace, Ada\",x\n", {{"Lovelace, Ada", "x"}}},
      {"doubled quote inside quotes", "\"say \"\"hi\"\"\",x\n", {{"say \"hi\"", "x"}}},
      {"LF inside quotes", "\"two\nlines\",x\n", {{"two\nlines", "x"}}},
      {"CRLF inside quotes", "\"two\r\nlines\",x\r\n", {{"two\r\nlines", "x"}}},
      {"BOM skipped", "\xEF\xBB\xBFstudent_id,name\n", {{"student_id", "name"}}},
      {"blank lines ignored", "a\n\n\r\nb\n\n", {{"a"}, {"b"}}},
      {"empty fields kept", "a,,c\n,\n", {{"a", "", "c"}, {"", ""}}},
      {"quoted empty field is a record", "\"\"\n", {{""}}},
      {"trailing comma at end of text", "a,", {{"a", ""}}},
      {"non-ASCII kept as is", "Zo\xC3\xAB,\xE6\x9D\x8E\n", {{"Zo\xC3\xAB", "\xE6\x9D\x8E"}}},
      {"empty text", "", {}},
  };
  for (const CsvCase& c : cases) {
    SECTION(c.name) {
      auto records = exam::ParseCsv(c.text);
      REQUIRE(records.ok());
      REQUIRE(records->size() == c.records.size());
      for (std::size_t i = 0; i < c.records.size(); ++i) {
        INFO("record " << i);
        CHECK((*records)[i].fields == c.records[i]);
      }
    }
  }
}

TEST_CASE("csv records carry their start line") {
  auto records = exam::ParseCsv("h1,h2\n\n\"multi\nline\",x\nlast,y\n");
  REQUIRE(records.ok());
  REQUIRE(records->size() == 3);
  CHECK((*records)[0].line == 1);
  CHECK((*records)[1].line == 3);
  CHECK((*records)[2].line == 5);
}

TEST_CASE("csv parser rejects malformed inputs") {
  struct ErrorCase {
    const char* name;
    std::string text;
    std::vector<std::string> fragments;
  };
  const std::vector<ErrorCase> cases = {
      {"unterminated quote", "a,b\nc,\"open\nstill open\n", {"line 2", "not closed"}},
      {"text after closing quote", "a,b\n\"x\"y,z\n", {"line 2", "after a closing quote"}},
      {"space after closing quote", "\"x\" ,z\n", {"line 1", "after a closing quote"}},
      {"invalid UTF-8", "a,b\nc,d\ne,\xC3\x28\n", {"line 3", "not valid UTF-8"}},
      {"Latin-1 name", "id,name\n1,Zo\xEB\n", {"line 2", "not valid UTF-8"}},
      {"invalid UTF-8 after CR line ends", "a\rb\r\n\xFF\n", {"line 3", "not valid UTF-8"}},
      {"invalid UTF-8 in multi-line field", "\"a\nb\xFF\"\n", {"line 2", "not valid UTF-8"}},
  };
  for (const ErrorCase& c : cases) {
    SECTION(c.name) {
      auto records = exam::ParseCsv(c.text);
      REQUIRE_FALSE(records.ok());
      CHECK(records.error().code == exam::ErrorCode::kInvalidArgument);
      for (const std::string& fragment : c.fragments) {
        CHECK_THAT(records.error().message, Catch::Contains(fragment));
      }
    }
  }
}

TEST_CASE("csv field neutralises formula prefixes") {
  struct FieldCase {
    std::string value;
    std::string expected;
  };
  const std::vector<FieldCase> cases = {
      {"plain", "plain"},
      {"", ""},
      {"=SUM(A1:A2)", "'=SUM(A1:A2)"},
      {"+1", "'+1"},
      {"-1", "'-1"},
      {"@cmd", "'@cmd"},
      {"\tx", "'\tx"},
      {"\rx", "\"'\rx\""},
      {"a=b", "a=b"},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"=1,2", "\"'=1,2\""},
  };
  for (const FieldCase& c : cases) {
    CAPTURE(c.value);
    CHECK(exam::CsvField(c.value) == c.expected);
  }
}

TEST_CASE("csv field round trips through parser") {
  const std::vector<std::string> values = {"Lovelace, Ada", "say \"hi\"", "two\r\nlines", "plain"};
  std::vector<std::string> formatted;
  for (const std::string& value : values) {
    formatted.push_back(exam::CsvField(value));
  }
  const std::string line = exam::CsvLine(formatted);
  CHECK(line.substr(line.size() - 2) == "\r\n");

  auto records = exam::ParseCsv(line);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK((*records)[0].fields == values);
}

TEST_CASE("utf8 validity check") {
  struct Utf8Case {
    const char* name;
    std::string text;
    bool valid;
  };
  const std::vector<Utf8Case> cases = {
      {"empty", "", true},
      {"ASCII", "hello", true},
      {"two bytes", "\xC3\xA9", true},
      {"three bytes", "\xE2\x82\xAC", true},
      {"four bytes", "\xF0\x9F\x98\x80", true},
      {"largest code point U+10FFFF", "\xF4\x8F\xBF\xBF", true},
      {"U+FFFF", "\xEF\xBF\xBF", true},
      {"NUL byte", std::string("a\0b", 3), true},
      {"overlong slash in two bytes", "\xC0\xAF", false},
      {"overlong NUL", "\xC0\x80", false},
      {"overlong in three bytes", "\xE0\x80\xAF", false},
      {"overlong in four bytes", "\xF0\x80\x80\xAF", false},
      {"high surrogate U+D800", "\xED\xA0\x80", false},
      {"low surrogate U+DFFF", "\xED\xBF\xBF", false},
      {"above U+10FFFF", "\xF4\x90\x80\x80", false},
      {"lead byte F5", "\xF5\x80\x80\x80", false},
      {"five-byte lead", "\xF8\x88\x80\x80\x80", false},
      {"lone continuation byte", "\x80", false},
      {"truncated two bytes", "\xC3", false},
      {"truncated three bytes", "a\xE2\x82", false},
      {"truncated four bytes", "\xF0\x9F\x98", false},
      {"continuation replaced by ASCII", "\xE2\x28\xA1", false},
      {"byte FF", "\xFF", false},
  };
  for (const Utf8Case& c : cases) {
    CAPTURE(c.name);
    CHECK(exam::IsValidUtf8(c.text) == c.valid);
  }
}

TEST_CASE("code point count of utf8 text") {
  struct CountCase {
    std::string text;
    std::size_t expected;
  };
  const std::vector<CountCase> cases = {
      {"", 0},
      {"abc", 3},
      {"caf\xC3\xA9", 4},
      {"\xE6\x9D\x8E\xE5\x9B\x9B", 2},
      {"a\xF0\x9F\x98\x80z", 3},
  };
  for (const CountCase& c : cases) {
    CAPTURE(c.text);
    CHECK(exam::CountCodePoints(c.text) == c.expected);
  }
}
