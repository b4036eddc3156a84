#include "exam/event.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

const std::string kHash = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
// SHA-256 of "print(1)\n", the text of the snapshot below.
const std::string kPrintHash = "cc42155088fca5730758db72b2a5bca33112a941dfaa2d43098ec422ce4ea213";
const std::set<std::string> kQuestionKeys = {"q1-loops", "q2-files"};

json Edit(std::int64_t seq, json changes) {
  return {{"seq", seq}, {"type", "edit"}, {"t", 1796418000000 + seq}, {"question", "q1-loops"},
          {"changes", std::move(changes)}};
}

std::string Batch(const json& events) { return json{{"events", events}}.dump(); }

std::string Batch(const std::vector<json>& events) { return Batch(json(events)); }

// One event of every type, seqs 1 to 8.
std::vector<json> EveryEventType() {
  return {
      Edit(1, {{0, 0, "x = 1\n"}, {4, 7, "é😀"}}),
      {{"seq", 2}, {"type", "paste"}, {"t", 2}, {"question", "q1-loops"}, {"from", 0},
       {"length", 6}, {"source", "outside"}},
      {{"seq", 3}, {"type", "run"}, {"t", 3}, {"question", "q1-loops"}, {"code_sha256", kHash},
       {"status", "tests_passed"}, {"duration_ms", 120}},
      {{"seq", 4}, {"type", "focus"}, {"t", 4}, {"state", "blur"}},
      {{"seq", 5}, {"type", "visibility"}, {"t", 5}, {"state", "hidden"}},
      {{"seq", 6}, {"type", "question"}, {"t", 6}, {"question", "q2-files"}},
      {{"seq", 7}, {"type", "snapshot"}, {"t", 7}, {"question", "q2-files"}, {"text", "print(1)\n"},
       {"sha256", kPrintHash}},
      {{"seq", 8}, {"type", "submit"}, {"t", 8}},
  };
}

}  // namespace

TEST_CASE("event batch with every event type") {
  auto events = exam::ParseEventBatch(Batch(EveryEventType()), &kQuestionKeys);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 8);

  const exam::EventType expected_types[] = {
      exam::EventType::kEdit,  exam::EventType::kPaste,      exam::EventType::kRun,
      exam::EventType::kFocus, exam::EventType::kVisibility, exam::EventType::kQuestion,
      exam::EventType::kSnapshot, exam::EventType::kSubmit,
  };
  for (std::size_t i = 0; i < events->size(); ++i) {
    INFO("event " << i);
    CHECK((*events)[i].seq == static_cast<std::int64_t>(i + 1));
    CHECK((*events)[i].type == expected_types[i]);
  }

  const exam::Event& edit = (*events)[0];
  CHECK(edit.question == "q1-loops");
  CHECK(edit.client_time == 1796418000001);
  REQUIRE(edit.changes.size() == 2);
  CHECK(edit.changes[0].from == 0);
  CHECK(edit.changes[0].to == 0);
  CHECK(edit.changes[0].inserted == "x = 1\n");
  CHECK(edit.changes[1].from == 4);
  CHECK(edit.changes[1].to == 7);
  CHECK(edit.changes[1].inserted == "é😀");
  CHECK(edit.payload == EveryEventType()[0]);

  CHECK((*events)[3].question.empty());
  CHECK((*events)[5].question == "q2-files");
  CHECK((*events)[6].text == "print(1)\n");
  CHECK((*events)[7].client_time == 8);
}

TEST_CASE("event type names round trip") {
  for (const char* name :
       {"edit", "paste", "run", "focus", "visibility", "question", "snapshot", "submit"}) {
    CAPTURE(name);
    const std::optional<exam::EventType> type = exam::EventTypeFromName(name);
    REQUIRE(type.has_value());
    CHECK(std::string(exam::EventTypeName(*type)) == name);
  }
  CHECK_FALSE(exam::EventTypeFromName("Edit").has_value());
  CHECK_FALSE(exam::EventTypeFromName("").has_value());
}

TEST_CASE("edit with optional origin is valid") {
  json event = Edit(1, {{0, 0, "a"}});
  event["origin"] = "input.type";
  CHECK(exam::EventFromJson(event, &kQuestionKeys).ok());
}

TEST_CASE("edit with adjacent changes is valid") {
  CHECK(exam::EventFromJson(Edit(1, {{0, 2, "a"}, {2, 2, "b"}, {5, 9, ""}})).ok());
}

TEST_CASE("invalid events name seq and field") {
  struct EventCase {
    const char* name;
    json event;
    std::vector<std::string> fragments;
  };
  json seq_missing = Edit(1, {{0, 0, "a"}});
  seq_missing.erase("seq");
  json t_missing = Edit(3, {{0, 0, "a"}});
  t_missing.erase("t");
  json t_negative = Edit(3, {{0, 0, "a"}});
  t_negative["t"] = -5;
  json type_unknown = Edit(3, {{0, 0, "a"}});
  type_unknown["type"] = "keystroke";
  json changes_missing = Edit(3, {{0, 0, "a"}});
  changes_missing.erase("changes");
  json origin_number = Edit(3, {{0, 0, "a"}});
  origin_number["origin"] = 5;
  json too_many_changes = json::array();
  for (std::size_t i = 0; i <= exam::kMaxChangesPerEdit; ++i) {
    too_many_changes.push_back({i, i, "a"});
  }
  const std::string large(exam::kMaxEventTextBytes / 2 + 1, 'a');

  const std::vector<EventCase> cases = {
      {"seq zero", Edit(0, {{0, 0, "a"}}), {"seq 0", ".seq", "got 0"}},
      {"seq negative", Edit(-1, {{0, 0, "a"}}), {"seq -1", ".seq", "got -1"}},
      {"seq fraction", {{"seq", 1.5}, {"type", "submit"}, {"t", 1}}, {".seq", "got 1.5"}},
      {"seq a string", {{"seq", "3"}, {"type", "submit"}, {"t", 1}}, {".seq", "got \"3\""}},
      {"seq missing", seq_missing, {"seq ?", ".seq", "got null"}},
      {"seq above 2^53 - 1", {{"seq", 9007199254740992}, {"type", "submit"}, {"t", 1}}, {".seq"}},
      {"type unknown", type_unknown, {"seq 3", ".type", "\"keystroke\""}},
      {"t missing", t_missing, {"seq 3", ".t must be", "got null"}},
      {"t negative", t_negative, {"seq 3", ".t must be", "got -5"}},
      {"edit without changes", Edit(3, json::array()), {"seq 3", ".changes", "got []"}},
      {"edit changes missing", changes_missing, {"seq 3", ".changes", "got null"}},
      {"change not a triple", Edit(3, {{0, 1}}), {"seq 3", ".changes[0]", "[0,1]"}},
      {"change an object", Edit(3, {{{"from", 0}}}), {"seq 3", ".changes[0]"}},
      {"change from above to", Edit(3, {{5, 2, ""}}), {"seq 3", ".changes[0]", "from <= to"}},
      {"change from negative", Edit(3, {{-1, 2, ""}}), {"seq 3", ".changes[0]"}},
      {"change position fraction", Edit(3, {{0.5, 2, ""}}), {"seq 3", ".changes[0]"}},
      {"changes unsorted", Edit(3, {{5, 6, "a"}, {0, 1, "b"}}), {"seq 3", ".changes[1]", "sorted"}},
      {"changes overlapping", Edit(3, {{0, 4, "a"}, {3, 6, "b"}}), {"seq 3", ".changes[1]", "overlapping"}},
      {"inserted not a string", Edit(3, {{0, 0, 7}}), {"seq 3", ".changes[0]"}},
      {"too many changes", Edit(3, too_many_changes), {"seq 3", ".changes", "1 to 1000"}},
      {"inserted over 256 KiB", Edit(3, {{0, 0, large}, {0, 0, large}}), {"seq 3", ".changes", "262144"}},
      {"origin not a string", origin_number, {"seq 3", ".origin"}},
      {"question over 64 bytes",
       {{"seq", 3}, {"type", "question"}, {"t", 1}, {"question", std::string(65, 'q')}},
       {"seq 3", ".question", "at most 64 bytes"}},
      {"paste from above 2^53 - 1",
       {{"seq", 4}, {"type", "paste"}, {"t", 1}, {"question", "q1-loops"},
        {"from", 18446744073709551615u}, {"length", 3}, {"source", "inside"}},
       {"seq 4", ".from"}},
      {"question missing", {{"seq", 3}, {"type", "question"}, {"t", 1}}, {"seq 3", ".question"}},
      {"question empty", {{"seq", 3}, {"type", "question"}, {"t", 1}, {"question", ""}}, {"seq 3", ".question"}},
      {"question not in exam",
       {{"seq", 3}, {"type", "question"}, {"t", 1}, {"question", "q9"}},
       {"seq 3", ".question", "\"q9\""}},
      {"paste source elsewhere",
       {{"seq", 4}, {"type", "paste"}, {"t", 1}, {"question", "q1-loops"}, {"from", 0}, {"length", 3},
        {"source", "elsewhere"}},
       {"seq 4", ".source", "\"elsewhere\""}},
      {"paste length missing",
       {{"seq", 4}, {"type", "paste"}, {"t", 1}, {"question", "q1-loops"}, {"from", 0},
        {"source", "inside"}},
       {"seq 4", ".length"}},
      {"run hash upper case",
       {{"seq", 5}, {"type", "run"}, {"t", 1}, {"question", "q1-loops"},
        {"code_sha256", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"},
        {"status", "ok"}, {"duration_ms", 1}},
       {"seq 5", ".code_sha256"}},
      {"run hash too short",
       {{"seq", 5}, {"type", "run"}, {"t", 1}, {"question", "q1-loops"}, {"code_sha256", "abc"},
        {"status", "ok"}, {"duration_ms", 1}},
       {"seq 5", ".code_sha256", "\"abc\""}},
      {"run status unknown",
       {{"seq", 5}, {"type", "run"}, {"t", 1}, {"question", "q1-loops"}, {"code_sha256", kHash},
        {"status", "crashed"}, {"duration_ms", 1}},
       {"seq 5", ".status", "\"crashed\""}},
      {"run duration negative",
       {{"seq", 5}, {"type", "run"}, {"t", 1}, {"question", "q1-loops"}, {"code_sha256", kHash},
        {"status", "ok"}, {"duration_ms", -1}},
       {"seq 5", ".duration_ms"}},
      {"focus state x", {{"seq", 6}, {"type", "focus"}, {"t", 1}, {"state", "x"}}, {"seq 6", ".state", "\"x\""}},
      {"visibility state focus",
       {{"seq", 6}, {"type", "visibility"}, {"t", 1}, {"state", "focus"}},
       {"seq 6", ".state", "\"focus\""}},
      {"snapshot text missing",
       {{"seq", 7}, {"type", "snapshot"}, {"t", 1}, {"question", "q1-loops"}, {"sha256", kHash}},
       {"seq 7", ".text"}},
      {"snapshot sha256 missing",
       {{"seq", 7}, {"type", "snapshot"}, {"t", 1}, {"question", "q1-loops"}, {"text", ""}},
       {"seq 7", ".sha256"}},
      {"snapshot text over 256 KiB",
       {{"seq", 7}, {"type", "snapshot"}, {"t", 1}, {"question", "q1-loops"},
        {"text", std::string(exam::kMaxEventTextBytes + 1, 'a')}, {"sha256", kHash}},
       {"seq 7", ".text", "262145 bytes"}},
      {"snapshot sha256 of other text",
       {{"seq", 7}, {"type", "snapshot"}, {"t", 1}, {"question", "q1-loops"}, {"text", "x"},
        {"sha256", kPrintHash}},
       {"seq 7", ".sha256", "SHA-256 of text"}},
      {"field set by the server",
       {{"seq", 4}, {"type", "focus"}, {"t", 4}, {"state", "blur"}, {"chain_hash", "00"}},
       {"seq 4", "chain_hash", "set by the server"}},
      {"not an object", json::array({1, 2}), {"JSON object"}},
  };
  for (const EventCase& c : cases) {
    SECTION(c.name) {
      auto event = exam::EventFromJson(c.event, &kQuestionKeys);
      REQUIRE_FALSE(event.ok());
      CHECK(event.error().code == exam::ErrorCode::kInvalidArgument);
      for (const std::string& fragment : c.fragments) {
        CHECK_THAT(event.error().message, Catch::Contains(fragment));
      }
    }
  }
}

TEST_CASE("event seq at 2^53 - 1 is accepted") {
  const json event = {{"seq", 9007199254740991}, {"type", "submit"}, {"t", 0}};
  auto parsed = exam::EventFromJson(event);
  REQUIRE(parsed.ok());
  CHECK(parsed->seq == 9007199254740991);
}

TEST_CASE("event keeps unknown fields in payload") {
  json event = {{"seq", 1}, {"type", "focus"}, {"t", 1}, {"state", "focus"}, {"tab", 3}};
  auto parsed = exam::EventFromJson(event);
  REQUIRE(parsed.ok());
  CHECK(parsed->payload == event);
}

TEST_CASE("event question unchecked without key set") {
  const json event = {{"seq", 3}, {"type", "question"}, {"t", 1}, {"question", "q9"}};
  CHECK(exam::EventFromJson(event).ok());
}

TEST_CASE("invalid batches are rejected") {
  struct BatchCase {
    const char* name;
    std::string body;
    exam::ErrorCode code;
    std::vector<std::string> fragments;
  };
  std::vector<json> too_many;
  for (std::size_t seq = 1; seq <= exam::kMaxEventsPerBatch + 1; ++seq) {
    too_many.push_back({{"seq", seq}, {"type", "focus"}, {"t", 1}, {"state", "focus"}});
  }
  std::vector<json> large;
  for (int seq = 1; seq <= 5; ++seq) {
    large.push_back(Edit(seq, {{0, 0, std::string(250 * 1024, 'a')}}));
  }
  const std::vector<json> reused_seq = {
      Edit(1, {{0, 0, "a"}}),
      Edit(2, {{1, 1, "b"}}),
      Edit(1, {{2, 2, "c"}}),
  };
  const std::vector<json> second_bad = {
      Edit(1, {{0, 0, "a"}}),
      Edit(2, {{3, 1, "b"}}),
  };

  const std::vector<BatchCase> cases = {
      {"not JSON", "{\"events\": [", exam::ErrorCode::kInvalidArgument, {"not valid JSON"}},
      {"empty body", "", exam::ErrorCode::kInvalidArgument, {"not valid JSON"}},
      {"not UTF-8", "{\"events\": [\"\xFF\"]}", exam::ErrorCode::kInvalidArgument, {"not valid UTF-8"}},
      {"a list", "[]", exam::ErrorCode::kInvalidArgument, {"{\"events\": [...]}"}},
      {"events missing", "{}", exam::ErrorCode::kInvalidArgument, {"{\"events\": [...]}"}},
      {"events an object", "{\"events\": {}}", exam::ErrorCode::kInvalidArgument, {"{\"events\": [...]}"}},
      {"empty list", "{\"events\": []}", exam::ErrorCode::kInvalidArgument, {"1 to 500", "got 0"}},
      {"501 events", Batch(too_many), exam::ErrorCode::kInvalidArgument, {"1 to 500", "got 501"}},
      {"body over 1 MiB", Batch(large), exam::ErrorCode::kTooLarge, {"bytes", "1048576"}},
      {"seq reused in batch", Batch(reused_seq), exam::ErrorCode::kInvalidArgument, {"events[2]", "seq 1", "twice"}},
      {"second event invalid", Batch(second_bad), exam::ErrorCode::kInvalidArgument, {"events[1]", "seq 2", "changes[0]"}},
      {"event not an object", "{\"events\": [1]}", exam::ErrorCode::kInvalidArgument, {"events[0]", "JSON object"}},
  };
  for (const BatchCase& c : cases) {
    SECTION(c.name) {
      auto events = exam::ParseEventBatch(c.body, &kQuestionKeys);
      REQUIRE_FALSE(events.ok());
      CHECK(events.error().code == c.code);
      for (const std::string& fragment : c.fragments) {
        CHECK_THAT(events.error().message, Catch::Contains(fragment));
      }
    }
  }
}

TEST_CASE("event batch of 500 events is accepted") {
  std::vector<json> events;
  for (std::size_t seq = 1; seq <= exam::kMaxEventsPerBatch; ++seq) {
    events.push_back({{"seq", seq}, {"type", "visibility"}, {"t", 1}, {"state", "visible"}});
  }
  auto parsed = exam::ParseEventBatch(Batch(events));
  REQUIRE(parsed.ok());
  CHECK(parsed->size() == exam::kMaxEventsPerBatch);
}

TEST_CASE("canonical text ignores key order and spacing") {
  const std::string compact =
      R"({"changes":[[0,0,"é😀\n"]],"question":"q1-loops","seq":4,"t":17,"type":"edit"})";
  const std::string reordered = R"({
    "type" : "edit",  "t": 17,
    "seq": 4, "question": "q1-loops",
    "changes": [ [0, 0, "\u00e9\ud83d\ude00\n"] ]
  })";
  auto first = exam::ParseEventBatch("{\"events\": [" + compact + "]}");
  auto second = exam::ParseEventBatch("{\"events\": [" + reordered + "]}");
  REQUIRE(first.ok());
  REQUIRE(second.ok());

  const std::string canonical = exam::CanonicalEventText((*first)[0].payload);
  CHECK(canonical == exam::CanonicalEventText((*second)[0].payload));
  CHECK(canonical == compact);
}

TEST_CASE("canonical text differs for other content") {
  CHECK(exam::CanonicalEventText(Edit(4, {{0, 0, "a"}})) !=
        exam::CanonicalEventText(Edit(4, {{0, 0, "b"}})));
}
