// Group commit for POST /api/student/events. A request thread hands its
// validated batch to Ingest and waits. A writer thread collects the batches
// that arrive within a short window and stores them all in one transaction on
// its own connection (exam::IngestGroupInTransaction: set-based statements
// per organization, with row-level security set for each), so a few
// statements and one COMMIT (one WAL flush) serve many requests. A request
// gets its result only after COMMIT returned. When the COMMIT fails, or the
// connection breaks, every request of the group gets kUnavailable (503) and
// none a partial success. A writer whose connection broke opens a new one for
// its next group.
//
// The queue is bounded: when it is full, Ingest returns kUnavailable at once.
// Safe to share between threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "exam/error.h"
#include "exam/event.h"
#include "exam/event_store.h"
#include "exam/log.h"
#include "exam/principal.h"
#include "exam/time.h"

namespace examd {

struct EventBatcherOptions {
  std::string database_url;              // examd's role; each writer opens one connection
  int writers = 2;                       // writer threads, each with its own transaction
  std::chrono::microseconds window{2000};  // wait this long for more requests to join a group
  std::size_t max_group = 200;           // requests in one transaction at most
  std::size_t max_queue = 5000;          // waiting requests at most; more get kUnavailable
};

class EventBatcher {
 public:
  // Starts the writer threads. They connect on their first group, so a
  // database that is down at start-up is reported per request as kUnavailable.
  EventBatcher(EventBatcherOptions options, const exam::Clock& clock, exam::LogSink& log,
               exam::HeadSigner sign);
  // Stops the writers after the groups they are storing; requests still
  // queued get kUnavailable.
  ~EventBatcher();

  EventBatcher(const EventBatcher&) = delete;
  EventBatcher& operator=(const EventBatcher&) = delete;

  // Stores `events` for `student` in the next group and returns its result
  // after the group's COMMIT, with exam::IngestEvents' results and errors.
  exam::Result<exam::IngestResult> Ingest(const exam::StudentPrincipal& student,
                                          std::vector<exam::Event> events);

 private:
  struct Request {
    exam::StudentPrincipal student;
    std::vector<exam::Event> events;
    std::chrono::steady_clock::time_point queued;
    std::promise<exam::Result<exam::IngestResult>> answer;
  };
  using Group = std::vector<std::unique_ptr<Request>>;

  void RunWriter(int writer);
  Group TakeGroup();

  EventBatcherOptions options_;
  const exam::Clock& clock_;
  exam::LogSink& log_;
  exam::HeadSigner sign_;

  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<std::unique_ptr<Request>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> writers_;
};

}  // namespace examd
