// Events: what the exam page records and sends, how a batch of them is
// validated, and their canonical text. The wire format is documented in
// docs/api.md. Value types; safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "exam/error.h"

namespace exam {

enum class EventType { kEdit, kPaste, kRun, kFocus, kVisibility, kQuestion, kSnapshot, kSubmit };

const char* EventTypeName(EventType type);
std::optional<EventType> EventTypeFromName(std::string_view name);

// One replaced range of an edit. Positions count UTF-16 code units, as
// CodeMirror does, in the text before the edit.
struct TextChange {
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::string inserted;  // UTF-8
};

struct Event {
  std::int64_t seq = 0;          // 1, 2, 3, ... per exam session
  EventType type = EventType::kEdit;
  std::int64_t client_time = 0;  // ms since the epoch on the student's device
  std::string question;          // question key; empty for focus, visibility and submit
  std::vector<TextChange> changes;  // edit only, sorted by `from`, not overlapping
  std::string text;                 // snapshot only: the question's whole text
  nlohmann::json payload;           // the event as received, after validation
};

// Limits on what one request may carry.
inline constexpr std::size_t kMaxEventsPerBatch = 500;
inline constexpr std::size_t kMaxEventBatchBytes = 1024 * 1024;
inline constexpr std::size_t kMaxEventTextBytes = 256 * 1024;
inline constexpr std::size_t kMaxChangesPerEdit = 1000;

// Deepest nesting of arrays and objects that a request body may have. A
// batch needs 5 levels; nlohmann::json copies, compares and dumps values
// recursively, so a body nested many thousands of levels deep would overflow
// the stack.
inline constexpr int kMaxJsonDepth = 64;

// Returns whether `text` nests arrays and objects deeper than `max_depth`,
// counting brackets outside strings, without parsing it.
bool JsonNestsDeeperThan(std::string_view text, int max_depth);

// Parses and validates {"events": [...]}. When `question_keys` is given, every
// question an event names must be one of them. Messages name the event by its
// index and seq, the field and the value.
Result<std::vector<Event>> ParseEventBatch(std::string_view body,
                                           const std::set<std::string>* question_keys = nullptr);

// Validates one event object already parsed from JSON.
Result<Event> EventFromJson(const nlohmann::json& object,
                            const std::set<std::string>* question_keys = nullptr);

// The canonical text of an event: its JSON with keys sorted, no spaces,
// UTF-8 as is. Two events with the same content have the same canonical text.
std::string CanonicalEventText(const nlohmann::json& payload);

}  // namespace exam
