#include "timeout_sweeper.h"

#include <string>
#include <vector>

#include "exam/session_timeout.h"

namespace examd {

TimeoutSweeper::TimeoutSweeper(exam::Database& db, const exam::Clock& clock, exam::LogSink& log,
                               exam::HeadSigner sign, TimeoutSweeperOptions options)
    : db_(db), clock_(clock), log_(log), sign_(std::move(sign)), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

TimeoutSweeper::~TimeoutSweeper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool TimeoutSweeper::Stopping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void TimeoutSweeper::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    SweepOnce();
    lock.lock();
    wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
  }
}

void TimeoutSweeper::SweepOnce() {
  exam::TimeoutSweepOptions options;
  options.batch_size = options_.batch_size;
  options.stop_requested = [this] { return Stopping(); };
  auto sweep = exam::EndTimedOutSessions(db_, clock_.Now(), sign_, options);
  if (!sweep) {
    log_.Write(exam::LogLevel::kError,
               "listing timed-out exam sessions failed; the next sweep retries",
               {{"error", sweep.error().message}});
    return;
  }
  for (const exam::TimeoutFailure& failure : sweep->failures) {
    std::vector<exam::LogField> fields = {{"org_id", std::to_string(failure.org_id)}};
    if (failure.session_id != 0) {
      fields.push_back({"session_id", std::to_string(failure.session_id)});
    }
    fields.push_back({"error", failure.error.message});
    log_.Write(exam::LogLevel::kError,
               "storing the submission of a timed-out exam session failed; the next sweep retries",
               fields);
  }
  if (sweep->sessions_ended > 0) {
    log_.Write(exam::LogLevel::kInfo, "ended timed-out exam sessions",
               {{"sessions", std::to_string(sweep->sessions_ended)},
                {"organizations", std::to_string(sweep->organizations)}});
  }
}

}  // namespace examd
