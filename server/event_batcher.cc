#include "event_batcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <pqxx/pqxx>

namespace examd {
namespace {

using Millis = std::chrono::milliseconds;

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.rfind("ERROR:  ", 0) == 0) {
    line = line.substr(8);
  }
  return line;
}

// Maps an SQL error inside one request's savepoint to that request's error,
// as exam::Database does for a whole transaction.
exam::Error RequestError(const pqxx::sql_error& error) {
  if (dynamic_cast<const pqxx::transaction_rollback*>(&error)) {
    return exam::Unavailable("the batch collided with another transaction; retry shortly");
  }
  if (dynamic_cast<const pqxx::unique_violation*>(&error)) {
    return exam::Conflict(FirstLine(error.what()));
  }
  if (dynamic_cast<const pqxx::insufficient_privilege*>(&error)) {
    return exam::NotFound(FirstLine(error.what()));
  }
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&error)) {
    return exam::InvalidArgument(FirstLine(error.what()));
  }
  return exam::Internal(FirstLine(error.what()));
}

// Stores one request inside `txn` under a savepoint and returns its result.
// Throws pqxx::broken_connection and other pqxx::failure that is not an SQL
// error, which ends the whole group.
exam::Result<exam::IngestResult> StoreRequest(pqxx::dbtransaction& txn,
                                              const exam::StudentPrincipal& student,
                                              const std::vector<exam::Event>& events,
                                              exam::UnixMillis now, const exam::HeadSigner& sign) {
  pqxx::subtransaction savepoint(txn, "request");
  try {
    savepoint.exec_params("SELECT set_config('app.org_id', $1, true)",
                          std::to_string(student.org_id));
    exam::Result<exam::IngestResult> result =
        exam::IngestEventsInTransaction(savepoint, student, events, now, sign);
    if (result) {
      savepoint.commit();
    } else {
      savepoint.abort();
    }
    return result;
  } catch (const pqxx::sql_error& error) {
    savepoint.abort();
    return RequestError(error);
  }
}

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
// and takes at most `max_group` requests. Returns an empty group when stopping.
EventBatcher::Group EventBatcher::TakeGroup() {
  std::unique_lock<std::mutex> lock(mutex_);
  arrived_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (stopping_) {
    return {};
  }
  const auto deadline = queue_.front()->queued + options_.window;
  arrived_.wait_until(lock, deadline, [this] {
    return stopping_ || queue_.size() >= options_.max_group;
  });
  Group group;
  while (!queue_.empty() && group.size() < options_.max_group) {
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (!queue_.empty()) {
    arrived_.notify_one();  // another writer may start on the rest
  }
  return group;
}

void EventBatcher::RunWriter(int writer) {
  std::unique_ptr<pqxx::connection> connection;
  int failures = 0;
  for (;;) {
    Group group = TakeGroup();
    if (group.empty()) {
      return;
    }
    // Every group locks its exam sessions in (organization, session) order,
    // so two writers cannot deadlock on them.
    std::stable_sort(group.begin(), group.end(), [](const auto& a, const auto& b) {
      return std::pair(a->student.org_id, a->student.session_id) <
             std::pair(b->student.org_id, b->student.session_id);
    });

    std::vector<std::optional<exam::Result<exam::IngestResult>>> results(group.size());
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
      pqxx::work txn(*connection);
      for (std::size_t i = 0; i < group.size(); ++i) {
        results[i] = StoreRequest(txn, group[i]->student, group[i]->events, now, sign_);
      }
      txn.commit();
      failures = 0;
    } catch (const pqxx::in_doubt_error& error) {
      connection.reset();
      group_error = exam::Unavailable(
          "the database connection was lost during commit; send the events again");
      log_.Write(exam::LogLevel::kError, "event group commit outcome unknown",
                 {{"writer", std::to_string(writer)},
                  {"requests", std::to_string(group.size())},
                  {"error", FirstLine(error.what())}});
    } catch (const std::exception& error) {
      // pqxx::broken_connection, a failed COMMIT or a failed connect: no
      // request of the group is stored.
      connection.reset();
      group_error = exam::Unavailable("the database is unavailable; retry shortly");
      log_.Write(exam::LogLevel::kWarning, "event group failed",
                 {{"writer", std::to_string(writer)},
                  {"requests", std::to_string(group.size())},
                  {"error", FirstLine(error.what())}});
    }

    for (std::size_t i = 0; i < group.size(); ++i) {
      if (group_error) {
        group[i]->answer.set_value(*group_error);
      } else {
        group[i]->answer.set_value(std::move(*results[i]));
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
