// Fuzzes exam::ParseEventBatch, which reads every request body that the exam
// page sends to POST /api/student/events.
//
// Checks, for every input:
// - a rejected batch has the code invalid_argument or too_large and a message;
// - an accepted batch has 1 to kMaxEventsPerBatch events with distinct seqs
//   from 1 to 2^53 - 1 and client times from 0 to 2^53 - 1;
// - each event's payload is the batch's JSON element, each event has the
//   fields its type requires, and EventFromJson accepts the payload again;
// - CanonicalEventText of a payload parses back to equal JSON and is a fixed
//   point, so the hash chain over it does not depend on key order or spacing;
// - restricting question keys to the ones the batch names accepts it again.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "exam/crypto.h"
#include "exam/event.h"
#include "fuzz_check.h"

namespace {

using nlohmann::json;

constexpr std::int64_t kMaxSafeInteger = 9007199254740991;

bool NamesQuestion(exam::EventType type) {
  return type != exam::EventType::kFocus && type != exam::EventType::kVisibility &&
         type != exam::EventType::kSubmit;
}

void CheckEvent(const exam::Event& event, const json& element) {
  FUZZ_CHECK(event.seq >= 1 && event.seq <= kMaxSafeInteger, "seq out of range");
  FUZZ_CHECK(event.client_time >= 0 && event.client_time <= kMaxSafeInteger, "t out of range");
  FUZZ_CHECK(event.payload == element, "payload differs from the batch element");
  FUZZ_CHECK(event.payload.at("type") == exam::EventTypeName(event.type),
             "type differs from the payload's type");
  FUZZ_CHECK(event.payload.at("seq") == event.seq, "seq differs from the payload's seq");

  if (NamesQuestion(event.type)) {
    FUZZ_CHECK(!event.question.empty() && event.question.size() <= 64,
               "question key empty or longer than 64 bytes");
  } else {
    FUZZ_CHECK(event.question.empty(), "question set on an event type without one");
  }

  if (event.type == exam::EventType::kEdit) {
    FUZZ_CHECK(!event.changes.empty() && event.changes.size() <= exam::kMaxChangesPerEdit,
               "edit change count out of range");
    std::int64_t previous_to = 0;
    std::size_t inserted_bytes = 0;
    for (const exam::TextChange& change : event.changes) {
      FUZZ_CHECK(change.from >= previous_to, "edit changes unsorted or overlapping");
      FUZZ_CHECK(change.to >= change.from, "edit change with to < from");
      previous_to = change.to;
      inserted_bytes += change.inserted.size();
    }
    FUZZ_CHECK(inserted_bytes <= exam::kMaxEventTextBytes, "edit inserts too many bytes");
  } else {
    FUZZ_CHECK(event.changes.empty(), "changes set on an event that is not an edit");
  }

  if (event.type == exam::EventType::kSnapshot) {
    FUZZ_CHECK(event.text.size() <= exam::kMaxEventTextBytes, "snapshot text too long");
    FUZZ_CHECK(event.payload.at("sha256") == exam::Sha256Hex(event.text),
               "snapshot accepted with a wrong sha256");
  } else {
    FUZZ_CHECK(event.text.empty(), "text set on an event that is not a snapshot");
  }

  auto again = exam::EventFromJson(event.payload);
  FUZZ_CHECK(again.ok(), "EventFromJson rejects a payload that ParseEventBatch accepted");
  FUZZ_CHECK(again->seq == event.seq && again->type == event.type,
             "EventFromJson reads another seq or type");

  const std::string canonical = exam::CanonicalEventText(event.payload);
  const json reparsed = json::parse(canonical);
  FUZZ_CHECK(reparsed == event.payload, "canonical text parses to other JSON");
  FUZZ_CHECK(exam::CanonicalEventText(reparsed) == canonical,
             "canonical text is not a fixed point");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!exam::InitCrypto()) {
    return 1;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto events = exam::ParseEventBatch(body);
  if (!events.ok()) {
    const exam::ErrorCode code = events.error().code;
    FUZZ_CHECK(code == exam::ErrorCode::kInvalidArgument || code == exam::ErrorCode::kTooLarge,
               "ParseEventBatch failed with an unexpected code");
    FUZZ_CHECK(!events.error().message.empty(), "ParseEventBatch failed without a message");
    return 0;
  }

  // An accepted body is valid JSON, so this parse does not throw.
  const json items = json::parse(body).at("events");
  FUZZ_CHECK(!events->empty() && events->size() <= exam::kMaxEventsPerBatch,
             "event count out of range");
  FUZZ_CHECK(events->size() == items.size(), "event count differs from the batch");

  std::set<std::int64_t> seqs;
  std::set<std::string> questions;
  for (std::size_t i = 0; i < events->size(); ++i) {
    const exam::Event& event = (*events)[i];
    FUZZ_CHECK(seqs.insert(event.seq).second, "two accepted events share a seq");
    if (!event.question.empty()) {
      questions.insert(event.question);
    }
    CheckEvent(event, items[i]);
  }

  auto restricted = exam::ParseEventBatch(body, &questions);
  FUZZ_CHECK(restricted.ok(), "the batch is rejected when its own question keys are allowed");
  FUZZ_CHECK(restricted->size() == events->size(), "restricted parse returns another count");
  return 0;
}
