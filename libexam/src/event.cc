#include "exam/event.h"

#include <fmt/format.h>

#include "exam/crypto.h"
#include "exam/csv.h"

namespace exam {
namespace {

using nlohmann::json;

struct EventTypeEntry {
  EventType type;
  const char* name;
};

constexpr EventTypeEntry kEventTypes[] = {
    {EventType::kEdit, "edit"},         {EventType::kPaste, "paste"},
    {EventType::kRun, "run"},           {EventType::kFocus, "focus"},
    {EventType::kVisibility, "visibility"}, {EventType::kQuestion, "question"},
    {EventType::kSnapshot, "snapshot"}, {EventType::kSubmit, "submit"},
};

// Maximum integer that a JavaScript number represents exactly (2^53 - 1).
constexpr std::int64_t kMaxSafeInteger = 9007199254740991;

class EventChecker {
 public:
  EventChecker(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Error Fail(std::string_view field, std::string_view expected, const json& value) const {
    std::string shown = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (shown.size() > 60) {
      shown = shown.substr(0, 57) + "...";
    }
    return InvalidArgument(fmt::format("{}.{} must be {}, got {}", where_, field, expected, shown));
  }

  Result<std::int64_t> Integer(const char* field, std::int64_t min, std::int64_t max) const {
    const json& value = object_.value(field, json());
    const std::string expected = fmt::format("an integer from {} to {}", min, max);
    if (!value.is_number_integer()) {
      return Fail(field, expected, value);
    }
    const std::int64_t number = value.is_number_unsigned() && value.get<std::uint64_t>() > kMaxSafeInteger
                                    ? max + 1
                                    : value.get<std::int64_t>();
    if (number < min || number > max) {
      return Fail(field, expected, value);
    }
    return number;
  }

  Result<std::string> String(const char* field, std::size_t max_bytes) const {
    const json& value = object_.value(field, json());
    const std::string expected = fmt::format("a string of at most {} bytes", max_bytes);
    if (!value.is_string()) {
      return Fail(field, expected, value);
    }
    const std::string& text = value.get_ref<const std::string&>();
    if (text.size() > max_bytes) {
      return Fail(field, expected, json(fmt::format("<{} bytes>", text.size())));
    }
    return text;
  }

  Result<std::string> OneOf(const char* field, std::initializer_list<const char*> choices) const {
    const json& value = object_.value(field, json());
    std::string expected = "one of";
    for (const char* choice : choices) {
      expected += fmt::format(" \"{}\"", choice);
      if (value.is_string() && value.get_ref<const std::string&>() == choice) {
        return std::string(choice);
      }
    }
    return Fail(field, expected, value);
  }

  Result<std::string> Sha256Hex(const char* field) const {
    const json& value = object_.value(field, json());
    const char* expected = "64 lower-case hex digits";
    if (!value.is_string()) {
      return Fail(field, expected, value);
    }
    const std::string& text = value.get_ref<const std::string&>();
    if (text.size() != 64 ||
        text.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return Fail(field, expected, value);
    }
    return text;
  }

  const std::string& where() const { return where_; }

 private:
  const json& object_;
  std::string where_;
};

Status ReadChanges(const json& object, const EventChecker& check, Event& event) {
  const json& changes = object.value("changes", json());
  if (!changes.is_array() || changes.empty() || changes.size() > kMaxChangesPerEdit) {
    return check.Fail("changes",
                      fmt::format("a list of 1 to {} [from, to, inserted] changes", kMaxChangesPerEdit),
                      changes);
  }
  std::int64_t previous_to = -1;
  std::size_t inserted_bytes = 0;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const json& change = changes[i];
    const std::string field = fmt::format("changes[{}]", i);
    if (!change.is_array() || change.size() != 3 || !change[0].is_number_integer() ||
        !change[1].is_number_integer() || !change[2].is_string()) {
      return check.Fail(field, "[from, to, inserted] with two integers and a string", change);
    }
    TextChange text_change{change[0].get<std::int64_t>(), change[1].get<std::int64_t>(),
                           change[2].get<std::string>()};
    if (text_change.from < 0 || text_change.to < text_change.from ||
        text_change.to > kMaxSafeInteger) {
      return check.Fail(field, "a range with 0 <= from <= to", change);
    }
    if (text_change.from < previous_to) {
      return check.Fail(field, "sorted by from and not overlapping the previous change", change);
    }
    inserted_bytes += text_change.inserted.size();
    if (inserted_bytes > kMaxEventTextBytes) {
      return check.Fail("changes", fmt::format("at most {} inserted bytes", kMaxEventTextBytes),
                        json(fmt::format("<{} bytes>", inserted_bytes)));
    }
    previous_to = text_change.to;
    event.changes.push_back(std::move(text_change));
  }
  return {};
}

Status ReadQuestion(const json& object, const EventChecker& check,
                    const std::set<std::string>* question_keys, Event& event) {
  auto question = check.String("question", 64);
  if (!question) {
    return question.error();
  }
  if (question->empty() || (question_keys && !question_keys->count(*question))) {
    return check.Fail("question", "the key of one of the exam's questions", object["question"]);
  }
  event.question = *question;
  return {};
}

Status ReadTypeFields(const json& object, const EventChecker& check,
                      const std::set<std::string>* question_keys, Event& event) {
  switch (event.type) {
    case EventType::kEdit: {
      if (Status status = ReadQuestion(object, check, question_keys, event); !status) {
        return status;
      }
      if (object.contains("origin")) {
        if (auto origin = check.String("origin", 64); !origin) {
          return origin.error();
        }
      }
      return ReadChanges(object, check, event);
    }
    case EventType::kPaste: {
      if (Status status = ReadQuestion(object, check, question_keys, event); !status) {
        return status;
      }
      if (auto from = check.Integer("from", 0, kMaxSafeInteger); !from) {
        return from.error();
      }
      if (auto length = check.Integer("length", 0, kMaxSafeInteger); !length) {
        return length.error();
      }
      if (auto source = check.OneOf("source", {"inside", "outside"}); !source) {
        return source.error();
      }
      return {};
    }
    case EventType::kRun: {
      if (Status status = ReadQuestion(object, check, question_keys, event); !status) {
        return status;
      }
      if (auto hash = check.Sha256Hex("code_sha256"); !hash) {
        return hash.error();
      }
      if (auto status = check.OneOf("status", {"ok", "error", "stopped", "tests_passed",
                                               "tests_failed"});
          !status) {
        return status.error();
      }
      if (auto duration = check.Integer("duration_ms", 0, kMaxSafeInteger); !duration) {
        return duration.error();
      }
      return {};
    }
    case EventType::kFocus: {
      auto state = check.OneOf("state", {"focus", "blur"});
      return state ? Status() : Status(state.error());
    }
    case EventType::kVisibility: {
      auto state = check.OneOf("state", {"visible", "hidden"});
      return state ? Status() : Status(state.error());
    }
    case EventType::kQuestion:
      return ReadQuestion(object, check, question_keys, event);
    case EventType::kSnapshot: {
      if (Status status = ReadQuestion(object, check, question_keys, event); !status) {
        return status;
      }
      auto text = check.String("text", kMaxEventTextBytes);
      if (!text) {
        return text.error();
      }
      event.text = *text;
      auto hash = check.Sha256Hex("sha256");
      if (!hash) {
        return hash.error();
      }
      if (*hash != Sha256Hex(event.text)) {
        return check.Fail("sha256", "the SHA-256 of text", object["sha256"]);
      }
      return {};
    }
    case EventType::kSubmit:
      return {};
  }
  return Internal("unhandled event type");
}

}  // namespace

const char* EventTypeName(EventType type) {
  for (const EventTypeEntry& entry : kEventTypes) {
    if (entry.type == type) {
      return entry.name;
    }
  }
  return "unknown";
}

std::optional<EventType> EventTypeFromName(std::string_view name) {
  for (const EventTypeEntry& entry : kEventTypes) {
    if (name == entry.name) {
      return entry.type;
    }
  }
  return std::nullopt;
}

namespace {

// Validates one event. Messages name it by `label` ("event", or "events[3]"
// for the fourth event of a batch) and by its seq.
Result<Event> ReadEvent(const json& object, const std::set<std::string>* question_keys,
                        std::string_view label) {
  const std::string seq_text =
      object.is_object() && object.contains("seq") ? object["seq"].dump() : "?";
  EventChecker check(object, fmt::format("{} (seq {})", label, seq_text));
  if (!object.is_object()) {
    return InvalidArgument(fmt::format("{} must be a JSON object, got {}", label,
                                       object.dump(-1, ' ', false, json::error_handler_t::replace)
                                           .substr(0, 60)));
  }

  for (const char* reserved : {"session_id", "student_id", "received_at", "chain_hash"}) {
    if (object.contains(reserved)) {
      return InvalidArgument(fmt::format(
          "{}.{} is set by the server; remove it from the event", check.where(), reserved));
    }
  }

  Event event;
  auto seq = check.Integer("seq", 1, kMaxSafeInteger);
  if (!seq) {
    return seq.error();
  }
  event.seq = *seq;

  const json& type_value = object.value("type", json());
  const std::optional<EventType> type =
      type_value.is_string() ? EventTypeFromName(type_value.get<std::string>()) : std::nullopt;
  if (!type) {
    return check.Fail("type",
                      "one of edit, paste, run, focus, visibility, question, snapshot, submit",
                      type_value);
  }
  event.type = *type;

  auto client_time = check.Integer("t", 0, kMaxSafeInteger);
  if (!client_time) {
    return client_time.error();
  }
  event.client_time = *client_time;

  if (Status status = ReadTypeFields(object, check, question_keys, event); !status) {
    return status.error();
  }
  return event;
}

}  // namespace

// json::parse checks the syntax after this scan, so malformed text only has
// to end the scan.
bool JsonNestsDeeperThan(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return true;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

Result<Event> EventFromJson(const json& object, const std::set<std::string>* question_keys) {
  Result<Event> event = ReadEvent(object, question_keys, "event");
  if (event) {
    event->payload = object;
  }
  return event;
}

Result<std::vector<Event>> ParseEventBatch(std::string_view body,
                                           const std::set<std::string>* question_keys) {
  if (body.size() > kMaxEventBatchBytes) {
    return Error{ErrorCode::kTooLarge,
                 fmt::format("the request body has {} bytes; send at most {} bytes per request",
                             body.size(), kMaxEventBatchBytes)};
  }
  if (!IsValidUtf8(body)) {
    return InvalidArgument("the request body is not valid UTF-8");
  }
  if (JsonNestsDeeperThan(body, kMaxJsonDepth)) {
    return InvalidArgument(fmt::format(
        "the request body nests arrays and objects more than {} levels deep", kMaxJsonDepth));
  }
  json root;
  try {
    root = json::parse(body);
  } catch (const json::parse_error& error) {
    return InvalidArgument(fmt::format("the request body is not valid JSON (byte {})", error.byte));
  } catch (const json::out_of_range&) {
    // nlohmann::json 3.11 reports a number beyond the range of a double
    // (such as 1e999) as out_of_range, not as a parse_error.
    return InvalidArgument(
        "the request body has a number too large for a 64-bit floating-point value");
  }
  if (!root.is_object() || !root.contains("events") || !root["events"].is_array()) {
    return InvalidArgument("the request body must be {\"events\": [...]}");
  }
  json& items = root["events"];
  if (items.empty() || items.size() > kMaxEventsPerBatch) {
    return InvalidArgument(fmt::format("events must hold 1 to {} events, got {}",
                                       kMaxEventsPerBatch, items.size()));
  }

  std::vector<Event> events;
  events.reserve(items.size());
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto event = ReadEvent(items[i], question_keys, fmt::format("events[{}]", i));
    if (!event) {
      return event.error();
    }
    if (!seen.insert(event->seq).second) {
      return InvalidArgument(fmt::format(
          "events[{}]: seq {} appears twice in one batch; each event has its own seq", i,
          event->seq));
    }
    event->payload = std::move(items[i]);
    events.push_back(std::move(*event));
  }
  return events;
}

std::string CanonicalEventText(const json& payload) {
  return payload.dump(-1, ' ', false, json::error_handler_t::strict);
}

}  // namespace exam
