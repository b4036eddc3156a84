#include "event_batcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <pqxx/pqxx>

namespace examd {
namespace {

using Millis = std::chrono::milliseconds;

}  // namespace

EventBatcher::EventBatcher(EventBatcherOptions options, const exam::Clock& clock,
                           exam::LogSink& log, exam::HeadSigner sign)
    : options_(std::move(options)), clock_(clock), log_(log), sign_(std::move(sign)) {
  for (int writer = 0; writer < options_.writers; ++writer) {
    writers_.emplace_back([this, writer] { RunWriter(writer); });
  }
}

EventBatcher::~EventBatcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  arrived_.notify_all();
  for (std::thread& writer : writers_) {
    writer.join();
  }
  for (auto& request : queue_) {
    request->answer.set_value(exam::Unavailable("examd is stopping; retry shortly"));
  }
}

exam::Result<exam::IngestResult> EventBatcher::Ingest(const exam::StudentPrincipal& student,
                                                      std::vector<exam::Event> events) {
  auto request = std::make_unique<Request>();
  request->student = student;
  request->events = std::move(events);
  request->queued = std::chrono::steady_clock::now();
  std::future<exam::Result<exam::IngestResult>> answer = request->answer.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      return exam::Unavailable("examd is stopping; retry shortly");
    }
    if (queue_.size() >= options_.max_queue) {
      return exam::Unavailable(fmt::format(
          "{} event batches are already waiting to be stored; retry shortly", queue_.size()));
    }
    queue_.push_back(std::move(request));
  }
  arrived_.notify_one();
  return answer.get();
}

// Waits for a first request, then up to `window` after it was queued for more,
// and takes at most `max_group` requests. Another writer may have taken them
// all meanwhile; then it waits again. Returns an empty group only when
// stopping.
EventBatcher::Group EventBatcher::TakeGroup() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    arrived_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      return {};
    }
    const auto deadline = queue_.front()->queued + options_.window;
    arrived_.wait_until(lock, deadline, [this] {
      return stopping_ || queue_.size() >= options_.max_group;
    });
    if (stopping_) {
      return {};
    }
    Group group;
    while (!queue_.empty() && group.size() < options_.max_group) {
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!queue_.empty()) {
      arrived_.notify_one();  // another writer may start on the rest
    }
    if (!group.empty()) {
      return group;
    }
  }
}

void EventBatcher::RunWriter(int writer) {
  std::unique_ptr<pqxx::connection> connection;
  int failures = 0;
  for (;;) {
    Group group = TakeGroup();
    if (group.empty()) {
      return;
    }
    std::vector<exam::IngestRequest> requests;
    requests.reserve(group.size());
    for (const auto& request : group) {
      requests.push_back({&request->student, &request->events});
    }
    std::vector<exam::Result<exam::IngestResult>> results;
    std::optional<exam::Error> group_error;
    try {
      if (!connection || !connection->is_open()) {
        connection = std::make_unique<pqxx::connection>(options_.database_url);
        if (failures > 0) {
          log_.Write(exam::LogLevel::kInfo, "event writer reconnected",
                     {{"writer", std::to_string(writer)},
                      {"failed_groups", std::to_string(failures)}});
        }
      }
      const exam::UnixMillis now = clock_.Now();
      std::optional<pqxx::work> txn(std::in_place, *connection);
      try {
        results = exam::IngestGroupInTransaction(*txn, requests, now, sign_).results;
      } catch (const pqxx::sql_error& error) {
        // The set-based statements failed, which no batch should cause; each
        // request is stored again on its own so that only a faulty one fails.
        log_.Write(exam::LogLevel::kWarning, "event group stored request by request",
                   {{"writer", std::to_string(writer)},
                    {"requests", std::to_string(group.size())},
                    {"error", exam::FirstErrorLine(error.what())}});
        txn.reset();
        txn.emplace(*connection);
        results = exam::IngestGroupInTransaction(*txn, requests, now, sign_,
                                                 exam::GroupMode::kEachAlone)
                      .results;
      }
      txn->commit();
      failures = 0;
    } catch (const pqxx::in_doubt_error& error) {
      connection.reset();
      group_error = exam::Unavailable(
          "the database connection was lost during commit; send the events again");
      log_.Write(exam::LogLevel::kError, "event group commit outcome unknown",
                 {{"writer", std::to_string(writer)},
                  {"requests", std::to_string(group.size())},
                  {"error", exam::FirstErrorLine(error.what())}});
    } catch (const std::exception& error) {
      // pqxx::broken_connection, a failed COMMIT or a failed connect: no
      // request of the group is stored.
      connection.reset();
      group_error = exam::Unavailable("the database is unavailable; retry shortly");
      log_.Write(exam::LogLevel::kWarning, "event group failed",
                 {{"writer", std::to_string(writer)},
                  {"requests", std::to_string(group.size())},
                  {"error", exam::FirstErrorLine(error.what())}});
    }

    for (std::size_t i = 0; i < group.size(); ++i) {
      if (group_error) {
        group[i]->answer.set_value(*group_error);
      } else {
        group[i]->answer.set_value(std::move(results[i]));
      }
    }
    if (group_error) {
      // Back off while the database is down, from 50 ms to 1.6 s.
      ++failures;
      std::this_thread::sleep_for(Millis(50 << std::min(failures - 1, 5)));
    }
  }
}

}  // namespace examd
