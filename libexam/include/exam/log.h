// The sink through which libexam reports what it does. libexam never writes
// to stdout or stderr itself: each program passes the sink it wants, and tests
// pass a sink that records lines. Implementations must be safe to call from
// several threads at once.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace exam {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

const char* LogLevelName(LogLevel level);

// One structured field of a log line, such as {"request_id", "r-17"}.
struct LogField {
  std::string key;
  std::string value;
};

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(LogLevel level, std::string_view message,
                     const std::vector<LogField>& fields) = 0;
};

// A sink that drops everything; the default where no sink is given.
LogSink& NullLogSink();

// Writes one JSON object a line to stderr: {"time","level","message",...fields}.
// Lines from different threads never interleave.
LogSink& StderrJsonLogSink();

}  // namespace exam
