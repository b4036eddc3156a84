#include "exam/roster.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using nlohmann::json;

struct RosterErrorCase {
  const char* name;
  std::string csv;
  std::vector<std::string> fragments;
};

void CheckRejected(const exam::Result<std::vector<exam::RosterRow>>& rows,
                   const std::vector<std::string>& fragments) {
  REQUIRE_FALSE(rows.ok());
  CHECK(rows.error().code == exam::ErrorCode::kInvalidArgument);
  for (const std::string& fragment : fragments) {
    CHECK_THAT(rows.error().message, Catch::Contains(fragment));
  }
}

}  // namespace

TEST_CASE("roster csv with all columns") {
  auto rows = exam::ParseRosterCsv(
      "student_id,name,email,extra_minutes\r\n"
      "s1001,Ada Lovelace,ada@example.org,0\r\n"
      "s1002,\"Gauss, Carl Friedrich\",carl@example.org,30\r\n"
      "s1003,Zo\xC3\xAB \xE6\x9D\x8E,,\r\n");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 3);

  CHECK((*rows)[0].student_id == "s1001");
  CHECK((*rows)[0].name == "Ada Lovelace");
  CHECK((*rows)[0].email == "ada@example.org");
  CHECK((*rows)[0].extra_minutes == 0);

  CHECK((*rows)[1].name == "Gauss, Carl Friedrich");
  CHECK((*rows)[1].extra_minutes == 30);

  CHECK((*rows)[2].name == "Zo\xC3\xAB \xE6\x9D\x8E");
  CHECK((*rows)[2].email.empty());
  CHECK((*rows)[2].extra_minutes == 0);
}

TEST_CASE("roster csv columns in any order") {
  auto rows = exam::ParseRosterCsv(
      "\xEF\xBB\xBF"
      "email, name ,student_id\n"
      "ada@example.org, Ada Lovelace ,s1001\n");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].student_id == "s1001");
  CHECK((*rows)[0].name == "Ada Lovelace");
  CHECK((*rows)[0].email == "ada@example.org");
  CHECK((*rows)[0].extra_minutes == 0);
}

TEST_CASE("roster csv with header only is empty") {
  auto rows = exam::ParseRosterCsv("student_id,name,email\n");
  REQUIRE(rows.ok());
  CHECK(rows->empty());
}

TEST_CASE("roster csv rejects broken files") {
  const std::string header = "student_id,name,email,extra_minutes\n";
  const std::vector<RosterErrorCase> cases = {
      {"empty file", "", {"roster is empty"}},
      {"blank lines only", "\n\n", {"roster is empty"}},
      {"missing required column", "student_id,name\ns1,Ada\n", {"line 1", "missing column", "email"}},
      {"unknown column", "student_id,name,email,group\n", {"line 1", "unknown column", "group"}},
      {"duplicate column", "student_id,name,email,name\n", {"line 1", "\"name\" appears twice"}},
      {"duplicate student_id",
       header + "s1,Ada,,0\ns2,Carl,,0\ns1,Emmy,,0\n",
       {"line 4", "\"s1\" appears twice"}},
      {"too few fields", header + "s1,Ada,ada@example.org\n", {"line 2", "has 3 fields", "header has 4"}},
      {"too many fields", header + "s1,Ada,a@b,0,extra\n", {"line 2", "has 5 fields"}},
      {"extra_minutes not a number", header + "s1,Ada,,abc\n", {"line 2", "extra_minutes", "\"abc\""}},
      {"extra_minutes with unit", header + "s1,Ada,,30m\n", {"line 2", "extra_minutes", "\"30m\""}},
      {"extra_minutes negative", header + "s1,Ada,,-5\n", {"line 2", "extra_minutes", "-5"}},
      {"extra_minutes too large", header + "s1,Ada,,2000\n", {"line 2", "extra_minutes", "2000"}},
      {"empty student_id", header + " ,Ada,,0\n", {"line 2", "student_id"}},
      {"student_id too long", header + std::string(65, 'x') + ",Ada,,0\n", {"line 2", "student_id"}},
      {"empty name", header + "s1,,,0\n", {"line 2", "name"}},
      {"email without at sign", header + "s1,Ada,ada.example.org,0\n", {"line 2", "ada.example.org"}},
      {"line of a later record", header + "s1,\"Ada\nLovelace\",,0\ns2,Carl,,x\n", {"line 4", "\"x\""}},
      {"invalid UTF-8", header + "s1,Ada,,0\ns2,Zo\xEB,,0\n", {"line 3", "not valid UTF-8"}},
      {"unterminated quote", header + "s1,\"Ada,,0\n", {"line 2", "not closed"}},
  };
  for (const RosterErrorCase& c : cases) {
    SECTION(c.name) { CheckRejected(exam::ParseRosterCsv(c.csv), c.fragments); }
  }
}

TEST_CASE("roster csv row limit") {
  std::string csv = "student_id,name,email\n";
  for (std::size_t i = 0; i < exam::kMaxRosterRows; ++i) {
    csv += "s" + std::to_string(i) + ",Student,\n";
  }
  auto at_limit = exam::ParseRosterCsv(csv);
  REQUIRE(at_limit.ok());
  CHECK(at_limit->size() == exam::kMaxRosterRows);

  csv += "s-last,Student,\n";
  CheckRejected(exam::ParseRosterCsv(csv), {"5001 students", "at most 5000"});
}

TEST_CASE("roster json with valid entries") {
  const json body = {{"entries",
                      {{{"student_id", "s1"}, {"name", "Ada"}},
                       {{"student_id", "s2"},
                        {"name", "Carl"},
                        {"email", "carl@example.org"},
                        {"extra_minutes", 15}}}}};
  auto rows = exam::RosterRowsFromJson(body);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].student_id == "s1");
  CHECK((*rows)[0].email.empty());
  CHECK((*rows)[0].extra_minutes == 0);
  CHECK((*rows)[1].email == "carl@example.org");
  CHECK((*rows)[1].extra_minutes == 15);
}

TEST_CASE("roster json rejects broken bodies") {
  struct JsonCase {
    const char* name;
    json body;
    std::vector<std::string> fragments;
  };
  const json ada = {{"student_id", "s1"}, {"name", "Ada"}};
  const std::vector<JsonCase> cases = {
      {"not an object", json::array(), {"{\"entries\": [...]}"}},
      {"entries missing", json::object(), {"{\"entries\": [...]}"}},
      {"entries not a list", {{"entries", "s1"}}, {"{\"entries\": [...]}"}},
      {"entries empty", {{"entries", json::array()}}, {"1 to 5000", "got 0"}},
      {"entry not an object", {{"entries", {1}}}, {"entries[0]", "object"}},
      {"student_id missing", {{"entries", {{{"name", "Ada"}}}}}, {"entries[0]", "student_id"}},
      {"student_id a number", {{"entries", {{{"student_id", 7}, {"name", "Ada"}}}}}, {"entries[0]"}},
      {"email a number",
       {{"entries", {{{"student_id", "s1"}, {"name", "Ada"}, {"email", 1}}}}},
       {"entries[0]", "email"}},
      {"email without at sign",
       {{"entries", {{{"student_id", "s1"}, {"name", "Ada"}, {"email", "ada"}}}}},
       {"entries[0]", "\"ada\""}},
      {"extra_minutes a string",
       {{"entries", {{{"student_id", "s1"}, {"name", "Ada"}, {"extra_minutes", "5"}}}}},
       {"entries[0]", "extra_minutes"}},
      {"extra_minutes too large",
       {{"entries", {{{"student_id", "s1"}, {"name", "Ada"}, {"extra_minutes", 2000}}}}},
       {"entries[0]", "extra_minutes", "got 2000"}},
      {"extra_minutes negative",
       {{"entries", {{{"student_id", "s1"}, {"name", "Ada"}, {"extra_minutes", -5}}}}},
       {"entries[0]", "extra_minutes", "got -5"}},
      {"duplicate student_id", {{"entries", {ada, ada}}}, {"entries[1]", "\"s1\" appears twice"}},
      {"empty student_id",
       {{"entries", {{{"student_id", ""}, {"name", "Ada"}}}}},
       {"entries[0]", "student_id"}},
      {"org_id set by the caller",
       {{"entries", {{{"student_id", "s1"}, {"name", "Ada"}, {"org_id", 2}}}}},
       {"entries[0]", "\"org_id\" cannot be set"}},
  };
  for (const JsonCase& c : cases) {
    SECTION(c.name) { CheckRejected(exam::RosterRowsFromJson(c.body), c.fragments); }
  }
}

TEST_CASE("roster json row limit") {
  json entries = json::array();
  for (std::size_t i = 0; i <= exam::kMaxRosterRows; ++i) {
    entries.push_back({{"student_id", "s" + std::to_string(i)}, {"name", "Student"}});
  }
  CheckRejected(exam::RosterRowsFromJson({{"entries", entries}}), {"1 to 5000", "got 5001"});
}

TEST_CASE("roster limits count characters not bytes") {
  // U+00E9 takes two bytes in UTF-8, so these values are within the limits
  // in characters but over them in bytes.
  std::string student_id;
  std::string name;
  for (int i = 0; i < 64; ++i) {
    student_id += "\xC3\xA9";
  }
  for (int i = 0; i < 200; ++i) {
    name += "\xC3\xA9";
  }
  exam::RosterRow row{student_id, name, "", 0};
  CHECK(exam::ValidateRosterRow(row, "line 2").ok());

  row.student_id += "\xC3\xA9";
  CHECK_FALSE(exam::ValidateRosterRow(row, "line 2").ok());

  row.student_id = "s1";
  row.name += "\xC3\xA9";
  const exam::Status long_name = exam::ValidateRosterRow(row, "line 2");
  REQUIRE_FALSE(long_name.ok());
  CHECK_THAT(long_name.error().message, Catch::Contains("name"));
}
