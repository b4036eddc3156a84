// Ends timed-out exam sessions in the background. A thread runs
// exam::EndTimedOutSessions every interval, so a session whose deadline plus
// grace passed without a submit gets its submission within about one
// interval. It logs each sweep that ended sessions, and every failure. The
// destructor wakes the thread, lets the transaction in progress finish and
// joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

#include "exam/database.h"
#include "exam/event_store.h"
#include "exam/log.h"
#include "exam/time.h"

namespace examd {

struct TimeoutSweeperOptions {
  std::chrono::milliseconds interval{30000};  // from the end of one sweep to the next
  std::size_t batch_size = 100;               // exam sessions ended in one transaction at most
};

class TimeoutSweeper {
 public:
  // Starts the thread, whose first sweep runs at once.
  TimeoutSweeper(exam::Database& db, const exam::Clock& clock, exam::LogSink& log,
                 exam::HeadSigner sign, TimeoutSweeperOptions options);
  ~TimeoutSweeper();

  TimeoutSweeper(const TimeoutSweeper&) = delete;
  TimeoutSweeper& operator=(const TimeoutSweeper&) = delete;

 private:
  void Run();
  void SweepOnce();
  bool Stopping();

  exam::Database& db_;
  const exam::Clock& clock_;
  exam::LogSink& log_;
  exam::HeadSigner sign_;
  TimeoutSweeperOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace examd
