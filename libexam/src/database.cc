#include "exam/database.h"

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <vector>

namespace exam {

struct Database::Pool {
  DatabaseOptions options;
  std::mutex mutex;
  std::condition_variable available;
  std::vector<std::unique_ptr<pqxx::connection>> idle;
  std::size_t open = 0;  // idle plus leased
};

namespace {

// Removes the password from a connection URL before it appears in a message.
std::string RedactedUrl(const std::string& url) {
  const auto scheme_end = url.find("://");
  const auto at = url.find('@');
  if (scheme_end == std::string::npos || at == std::string::npos || at < scheme_end) {
    return url;
  }
  const auto colon = url.find(':', scheme_end + 3);
  if (colon == std::string::npos || colon > at) {
    return url;
  }
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace

std::string FirstErrorLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.rfind("ERROR:  ", 0) == 0) {
    line = line.substr(8);
  }
  return line;
}

Error ErrorFromSql(const pqxx::sql_error& error) {
  if (dynamic_cast<const pqxx::transaction_rollback*>(&error)) {
    return Unavailable("the request collided with another transaction; retry shortly");
  }
  if (dynamic_cast<const pqxx::unique_violation*>(&error)) {
    return Conflict(FirstErrorLine(error.what()));
  }
  // Row-level security rejecting a row lands here: to the caller the row
  // does not exist.
  if (dynamic_cast<const pqxx::insufficient_privilege*>(&error)) {
    return NotFound(FirstErrorLine(error.what()));
  }
  if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&error)) {
    return InvalidArgument(FirstErrorLine(error.what()));
  }
  return Internal(FirstErrorLine(error.what()));
}

Database::Database(DatabaseOptions options, LogSink& log) : pool_(new Pool), log_(log) {
  pool_->options = std::move(options);
}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::Open(DatabaseOptions options, LogSink& log) {
  if (options.pool_size == 0) {
    return InvalidArgument("the database pool size must be at least 1");
  }
  std::unique_ptr<Database> database(new Database(options, log));
  try {
    auto connection = std::make_unique<pqxx::connection>(options.url);
    std::lock_guard<std::mutex> lock(database->pool_->mutex);
    database->pool_->idle.push_back(std::move(connection));
    database->pool_->open = 1;
  } catch (const std::exception& error) {
    return Unavailable(fmt::format("cannot connect to PostgreSQL at {}: {}",
                                   RedactedUrl(options.url), FirstErrorLine(error.what())));
  }
  return database;
}

std::size_t Database::OpenConnections() const {
  std::lock_guard<std::mutex> lock(pool_->mutex);
  return pool_->open;
}

Status Database::InTenant(OrgId org_id, const TransactionBody& body) {
  const std::string org = std::to_string(org_id);
  return Run(&org, body);
}

Status Database::WithoutTenant(const TransactionBody& body) { return Run(nullptr, body); }

Status Database::Run(const std::string* org_id, const TransactionBody& body) {
  // Lease a connection: an idle one, a new one while the pool has room, or
  // wait for one to come back.
  std::unique_ptr<pqxx::connection> connection;
  {
    std::unique_lock<std::mutex> lock(pool_->mutex);
    const bool got = pool_->available.wait_for(lock, pool_->options.acquire_timeout, [&] {
      return !pool_->idle.empty() || pool_->open < pool_->options.pool_size;
    });
    if (!got) {
      return Unavailable(fmt::format("all {} database connections stayed busy for {} ms",
                                     pool_->options.pool_size,
                                     pool_->options.acquire_timeout.count()));
    }
    if (!pool_->idle.empty()) {
      connection = std::move(pool_->idle.back());
      pool_->idle.pop_back();
    } else {
      ++pool_->open;  // reserve the slot; the connection is made outside the lock
    }
  }

  auto give_back = [&](bool keep) {
    std::lock_guard<std::mutex> lock(pool_->mutex);
    if (keep && connection && connection->is_open()) {
      pool_->idle.push_back(std::move(connection));
    } else {
      --pool_->open;
    }
    pool_->available.notify_one();
  };

  Status status;
  bool keep = true;
  try {
    if (!connection) {
      connection = std::make_unique<pqxx::connection>(pool_->options.url);
    }
    // A pooled connection may have died while idle (a PostgreSQL restart,
    // say). Beginning the transaction finds that out before the body runs,
    // so one fresh connection is tried then instead of failing the request.
    std::unique_ptr<pqxx::work> begun;
    for (int attempt = 0; !begun; ++attempt) {
      try {
        begun = std::make_unique<pqxx::work>(*connection);
        if (org_id) {
          begun->exec_params("SELECT set_config('app.org_id', $1, true)", *org_id);
        }
      } catch (const pqxx::broken_connection&) {
        begun.reset();
        if (attempt > 0) {
          throw;
        }
        log_.Write(LogLevel::kInfo, "reconnecting a pooled database connection", {});
        connection = std::make_unique<pqxx::connection>(pool_->options.url);
      }
    }
    pqxx::work& txn = *begun;
    status = body(txn);
    if (status.ok()) {
      txn.commit();
    } else {
      txn.abort();
    }
  } catch (const pqxx::broken_connection& error) {
    keep = false;
    log_.Write(LogLevel::kWarning, "database connection lost", {{"error", FirstErrorLine(error.what())}});
    status = Unavailable("the database connection was lost; retry shortly");
  } catch (const pqxx::in_doubt_error& error) {
    keep = false;
    log_.Write(LogLevel::kError, "commit outcome unknown", {{"error", FirstErrorLine(error.what())}});
    status = Unavailable("the database connection was lost during commit; retry the request");
  } catch (const pqxx::sql_error& error) {
    status = ErrorFromSql(error);
  } catch (const pqxx::failure& error) {
    keep = false;
    status = Unavailable(FirstErrorLine(error.what()));
  } catch (const std::exception& error) {
    status = Internal(FirstErrorLine(error.what()));
  }
  give_back(keep);
  return status;
}

}  // namespace exam
