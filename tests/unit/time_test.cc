#include "exam/time.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

namespace {

// 2026-06-01T07:00:00Z, the instant most cases below write in other forms.
constexpr exam::UnixMillis kJuneFirst = 1780297200000;

}  // namespace

TEST_CASE("rfc3339 parser accepts valid timestamps") {
  struct TimeCase {
    std::string text;
    exam::UnixMillis expected;
  };
  const std::vector<TimeCase> cases = {
      {"2026-06-01T07:00:00Z", kJuneFirst},
      {"2026-06-01t07:00:00z", kJuneFirst},
      {"2026-06-01T09:00:00+02:00", kJuneFirst},
      {"2026-06-01T01:30:00-05:30", kJuneFirst},
      {"2026-06-01T07:00:00+00:00", kJuneFirst},
      {"2026-06-01T07:00:00-00:00", kJuneFirst},
      {"2026-06-01T07:00:00.1Z", kJuneFirst + 100},
      {"2026-06-01T07:00:00.12Z", kJuneFirst + 120},
      {"2026-06-01T07:00:00.123Z", kJuneFirst + 123},
      {"2026-06-01T07:00:00.1234Z", kJuneFirst + 123},
      {"2026-06-01T07:00:00.12345Z", kJuneFirst + 123},
      {"2026-06-01T07:00:00.123456Z", kJuneFirst + 123},
      {"2026-06-01T07:00:00.1234567Z", kJuneFirst + 123},
      {"2026-06-01T07:00:00.12345678Z", kJuneFirst + 123},
      {"2026-06-01T07:00:00.999999999Z", kJuneFirst + 999},
      {"2026-06-01T09:00:00.500+02:00", kJuneFirst + 500},
      {"2028-02-29T12:00:00Z", 1835438400000},
      {"2000-02-29T00:00:00Z", 951782400000},
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59.999Z", -1},
      {"1969-07-20T20:17:40Z", -14182940000},
      {"2026-12-31T23:59:59Z", 1798761599000},
  };
  for (const TimeCase& c : cases) {
    CAPTURE(c.text);
    const std::optional<exam::UnixMillis> parsed = exam::ParseRfc3339(c.text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == c.expected);
  }
}

TEST_CASE("rfc3339 parser rejects invalid timestamps") {
  const std::vector<std::string> cases = {
      "",
      "2026-06-01",
      "2026-06-01T07:00:00",
      "2026-06-01T07:00:00.123",
      "2026-06-01 07:00:00Z",
      "2027-02-29T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-00-01T00:00:00Z",
      "2026-06-00T00:00:00Z",
      "2026-06-01T24:00:00Z",
      "2026-06-01T07:60:00Z",
      "2026-06-01T07:00:60Z",
      "2026-06-01T07:00:00.Z",
      "2026-06-01T07:00:00+0200",
      "2026-06-01T07:00:00+02",
      "2026-06-01T07:00:00+24:00",
      "2026-06-01T07:00:00+02:60",
      "2026-06-01T07:00:00ZZ",
      "2026-06-01T07:00:00Z ",
      " 2026-06-01T07:00:00Z",
      "2026-06-01T07:00:00+02:00x",
      "2026-6-01T07:00:00Z",
      "26-06-01T07:00:00Z",
      "2026/06/01T07:00:00Z",
      "2026-06-01T7:00:00Z",
      "abcd-ef-ghTij:kl:mnZ",
  };
  for (const std::string& text : cases) {
    CAPTURE(text);
    CHECK_FALSE(exam::ParseRfc3339(text).has_value());
  }
}

TEST_CASE("rfc3339 formatter writes known instants") {
  struct FormatCase {
    exam::UnixMillis time;
    std::string expected;
  };
  const std::vector<FormatCase> cases = {
      {0, "1970-01-01T00:00:00.000Z"},
      {-1, "1969-12-31T23:59:59.999Z"},
      {-1000, "1969-12-31T23:59:59.000Z"},
      {-14182940000, "1969-07-20T20:17:40.000Z"},
      {951782400000, "2000-02-29T00:00:00.000Z"},
      {1796418000123, "2026-12-04T21:00:00.123Z"},
      {1835438400000, "2028-02-29T12:00:00.000Z"},
  };
  for (const FormatCase& c : cases) {
    CAPTURE(c.time);
    CHECK(exam::FormatRfc3339(c.time) == c.expected);
  }
}

TEST_CASE("rfc3339 format then parse round trips") {
  const std::vector<exam::UnixMillis> times = {
      0, 1, -1, 999, -999, 1796418000123, 1835438400000, -2208988800000, 4102444799999,
  };
  for (exam::UnixMillis time : times) {
    CAPTURE(time);
    const std::optional<exam::UnixMillis> parsed = exam::ParseRfc3339(exam::FormatRfc3339(time));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == time);
  }
}

TEST_CASE("fake clock stays where set") {
  exam::FakeClock clock(1796418000123);
  CHECK(clock.Now() == 1796418000123);
  CHECK(clock.Now() == 1796418000123);

  clock.Advance(877);
  CHECK(clock.Now() == 1796418001000);

  clock.Advance(-1000);
  CHECK(clock.Now() == 1796418000000);

  clock.Set(0);
  CHECK(clock.Now() == 0);

  const exam::Clock& as_clock = clock;
  CHECK(as_clock.Now() == 0);
}
