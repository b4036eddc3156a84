// Points in time as milliseconds since the Unix epoch (UTC), their RFC 3339
// text form, and the clock that code asks for "now", so that tests can set it.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace exam {

// Milliseconds since 1970-01-01T00:00:00Z.
using UnixMillis = std::int64_t;

// Parses an RFC 3339 timestamp with an explicit offset ("2026-06-01T09:00:00+02:00",
// "2026-06-01T07:00:00Z", optional fraction of a second). Returns nothing for
// any other form, including a missing offset, which would leave the time zone
// to guesswork.
std::optional<UnixMillis> ParseRfc3339(std::string_view text);

// Formats as "2026-06-01T07:00:00.000Z".
std::string FormatRfc3339(UnixMillis time);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis Now() const = 0;
};

// The system's wall clock.
const Clock& SystemClock();

// A clock that stays where a test puts it. Safe to share between threads.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixMillis start) : now_(start) {}
  UnixMillis Now() const override { return now_.load(); }
  void Set(UnixMillis time) { now_.store(time); }
  void Advance(std::int64_t millis) { now_.fetch_add(millis); }

 private:
  std::atomic<UnixMillis> now_;
};

}  // namespace exam
