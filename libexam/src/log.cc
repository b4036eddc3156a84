#include "exam/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

namespace exam {
namespace {

class NullSink final : public LogSink {
 public:
  void Write(LogLevel, std::string_view, const std::vector<LogField>&) override {}
};

class StderrJsonSink final : public LogSink {
 public:
  void Write(LogLevel level, std::string_view message,
             const std::vector<LogField>& fields) override {
    nlohmann::json line;
    line["time"] = FormatNow();
    line["level"] = LogLevelName(level);
    line["message"] = message;
    for (const LogField& field : fields) {
      line[field.key] = field.value;
    }
    // Invalid UTF-8 in a field is replaced rather than thrown: a log line must
    // never take the caller down.
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text.push_back('\n');

    std::lock_guard<std::mutex> lock(mutex_);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  }

 private:
  static std::string FormatNow() {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    const std::time_t seconds = system_clock::to_time_t(now);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(millis));
    return buffer;
  }

  std::mutex mutex_;
};

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

LogSink& NullLogSink() {
  static NullSink sink;
  return sink;
}

LogSink& StderrJsonLogSink() {
  static StderrJsonSink sink;
  return sink;
}

}  // namespace exam
