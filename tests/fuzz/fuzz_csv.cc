// Fuzzes the CSV reader and writer that roster import and the exports use.
//
// ParseRosterCsv is not fuzzed here, because roster.cc also contains the
// PostgreSQL import and needs libpqxx, which this project does not link.
//
// Checks:
// - IsValidUtf8 agrees with nlohmann::json's strict UTF-8 check;
// - ParseCsv accepts exactly the valid UTF-8 inputs that it can parse, and
//   its records have lines in increasing order and at least one field;
// - records that ParseCsv returns, written again with every field quoted,
//   parse to the same fields;
// - fields cut from the input and written with CsvField and CsvLine below a
//   header line parse back to the same values, with the apostrophe that
//   CsvField puts before a value that a spreadsheet would run as a formula.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "exam/csv.h"
#include "fuzz_check.h"

namespace {

// Returns whether nlohmann::json accepts `text` as UTF-8 when it dumps it.
bool JsonAcceptsUtf8(std::string_view text) {
  try {
    (void)nlohmann::json(std::string(text))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

// Writes records with every field quoted, which ParseCsv must read back as is.
std::string QuoteAll(const std::vector<exam::CsvRecord>& records) {
  std::string text;
  for (const exam::CsvRecord& record : records) {
    for (std::size_t i = 0; i < record.fields.size(); ++i) {
      if (i > 0) {
        text.push_back(',');
      }
      text.push_back('"');
      for (char c : record.fields[i]) {
        if (c == '"') {
          text.push_back('"');
        }
        text.push_back(c);
      }
      text.push_back('"');
    }
    text += "\n";
  }
  return text;
}

void CheckParse(std::string_view text) {
  auto records = exam::ParseCsv(text);
  std::string_view without_bom = text;
  if (without_bom.substr(0, 3) == "\xEF\xBB\xBF") {
    without_bom.remove_prefix(3);
  }
  if (!exam::IsValidUtf8(without_bom)) {
    FUZZ_CHECK(!records.ok(), "ParseCsv accepted invalid UTF-8");
    return;
  }
  if (!records.ok()) {
    FUZZ_CHECK(records.error().code == exam::ErrorCode::kInvalidArgument,
               "ParseCsv failed with a code other than invalid_argument");
    FUZZ_CHECK(!records.error().message.empty(), "ParseCsv failed without a message");
    return;
  }

  int previous_line = 0;
  for (const exam::CsvRecord& record : *records) {
    FUZZ_CHECK(record.line > previous_line, "record lines are not increasing");
    FUZZ_CHECK(!record.fields.empty(), "a record has no fields");
    for (const std::string& field : record.fields) {
      FUZZ_CHECK(exam::IsValidUtf8(field), "a field of valid UTF-8 input is not valid UTF-8");
    }
    previous_line = record.line;
  }

  auto again = exam::ParseCsv(QuoteAll(*records));
  FUZZ_CHECK(again.ok(), "records written with every field quoted do not parse");
  FUZZ_CHECK(again->size() == records->size(), "quoted records parse to another record count");
  for (std::size_t i = 0; i < records->size(); ++i) {
    FUZZ_CHECK((*again)[i].fields == (*records)[i].fields, "quoted records parse to other fields");
  }
}

// Splits `text` at NUL bytes, so the fuzzer controls how many fields a line has.
std::vector<std::string> SplitAtNul(std::string_view text) {
  std::vector<std::string> values;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('\0', start);
    values.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return values;
    }
    start = end + 1;
  }
}

std::string ExpectedAfterRoundTrip(const std::string& value) {
  if (!value.empty() && std::string_view("=+-@\t\r").find(value[0]) != std::string_view::npos) {
    return "'" + value;
  }
  return value;
}

void CheckWriteThenParse(std::string_view text) {
  if (!exam::IsValidUtf8(text)) {
    return;
  }
  const std::vector<std::string> values = SplitAtNul(text);
  std::vector<std::string> formatted;
  for (const std::string& value : values) {
    formatted.push_back(exam::CsvField(value));
  }
  // ParseCsv skips a byte order mark at the start of the text. The header line
  // keeps a value that starts with one away from there, as in an export.
  const std::string csv = exam::CsvLine({"header"}) + exam::CsvLine(formatted);

  auto records = exam::ParseCsv(csv);
  FUZZ_CHECK(records.ok(), "a line written with CsvField and CsvLine does not parse");
  if (values.size() == 1 && values[0].empty()) {
    // A line with one empty field is a blank line, which ParseCsv skips.
    FUZZ_CHECK(records->size() == 1, "a blank line after the header became a record");
    return;
  }
  FUZZ_CHECK(records->size() == 2, "one written line parses to another record count");
  const std::vector<std::string>& fields = (*records)[1].fields;
  FUZZ_CHECK(fields.size() == values.size(), "one written line parses to another field count");
  for (std::size_t i = 0; i < values.size(); ++i) {
    FUZZ_CHECK(fields[i] == ExpectedAfterRoundTrip(values[i]),
               "a field written with CsvField parses to another value");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  FUZZ_CHECK(exam::IsValidUtf8(text) == JsonAcceptsUtf8(text),
             "IsValidUtf8 and nlohmann::json disagree");
  FUZZ_CHECK(exam::CountCodePoints(text) <= text.size(), "more code points than bytes");

  CheckParse(text);
  CheckWriteThenParse(text);
  return 0;
}
