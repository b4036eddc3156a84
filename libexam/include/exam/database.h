// A bounded pool of PostgreSQL connections and the one place where a
// transaction gets its tenant. Storage code runs its SQL inside
// Database::InTenant, where row-level security exposes one organization, or
// Database::WithoutTenant. Without a tenant, examd's role reads only what the
// SECURITY DEFINER look-ups by secret return, and the owner role of migrations
// and `examctl admin` reads every row. A Database is safe to share between
// threads, and each transaction body runs on one thread with its own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "exam/error.h"
#include "exam/log.h"

namespace pqxx {
class sql_error;
class transaction_base;
}  // namespace pqxx

namespace exam {

using OrgId = std::int64_t;

struct DatabaseOptions {
  std::string url;                                   // libpq connection URI
  std::size_t pool_size = 8;                         // connections kept open at most
  std::chrono::milliseconds acquire_timeout{5000};   // wait for a free connection
};

// The body of a transaction. It runs SQL through `txn` and returns a Status;
// a non-ok Status rolls the transaction back.
using TransactionBody = std::function<Status(pqxx::transaction_base& txn)>;

// The Error for a statement that PostgreSQL refused: a unique violation is
// kConflict, a row that row-level security rejects kNotFound, another
// constraint kInvalidArgument, a deadlock or serialization failure
// kUnavailable (the client retries), anything else kInternal. The message is
// the first line of PostgreSQL's.
Error ErrorFromSql(const pqxx::sql_error& error);

// Returns the first line of a libpq or libpqxx message, without PostgreSQL's
// "ERROR:  " prefix, for logs and error messages.
std::string FirstErrorLine(const std::string& text);

class Database {
 public:
  // Opens one connection at once, so a wrong URL or a stopped server is
  // reported at start-up rather than at the first request.
  static Result<std::unique_ptr<Database>> Open(DatabaseOptions options, LogSink& log);
  ~Database();

  // Runs `body` in a transaction whose tenant is `org_id`: it sets
  // app.org_id with set_config(..., true), so the setting ends with the
  // transaction and a pooled connection never carries it to the next one.
  // Commits when `body` returns ok. PostgreSQL errors become Error values:
  // a lost connection is kUnavailable, a unique violation kConflict, a row
  // that row-level security rejects kNotFound.
  Status InTenant(OrgId org_id, const TransactionBody& body);

  // Runs `body` in a transaction with no tenant set. Only the owner role sees
  // tenant rows this way; examd's role sees none.
  Status WithoutTenant(const TransactionBody& body);

  // Returns the number of connections open now.
  std::size_t OpenConnections() const;

 private:
  struct Pool;
  Database(DatabaseOptions options, LogSink& log);
  Status Run(const std::string* org_id, const TransactionBody& body);

  std::unique_ptr<Pool> pool_;
  LogSink& log_;
};

}  // namespace exam
