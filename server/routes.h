// examd's route table. Every route names who may call it; InstallRoutes
// wraps each handler so that authentication, the request id, the security
// headers and error replies happen the same way everywhere, and refuses to
// install a route whose access is not declared.
#pragma once

#include <httplib.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "exam/database.h"
#include "exam/evidence.h"
#include "exam/log.h"
#include "exam/principal.h"
#include "exam/time.h"

namespace examd {

class WebAssets;
class EventBatcher;
class SessionTokenCache;

struct ServerContext {
  exam::Database& db;
  const exam::Clock& clock;
  exam::LogSink& log;
  const WebAssets& assets;
  const exam::SigningKey& signing_key;  // signs hash chain heads
  std::string public_url;  // base of invite links, e.g. "http://127.0.0.1:8080"
  // Group commit of student events; null stores each request in its own transaction.
  EventBatcher* event_batcher = nullptr;
  // Cached session token look-ups; null asks the database on every request.
  SessionTokenCache* session_tokens = nullptr;
};

enum class Access {
  kPublic,   // anyone; the handler checks any secret it needs itself
  kStudent,  // an exam session token (Authorization: Bearer est_...)
  kStaff,    // an API token (Authorization: Bearer ect_...) of one of `staff_roles`
};

// Who is calling, as established by the wrapper before the handler runs.
struct Caller {
  std::optional<exam::StaffPrincipal> staff;
  std::optional<exam::StudentPrincipal> student;
};

using RouteHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const Caller&)>;

struct Route {
  std::string method;   // "GET" or "POST"
  std::string pattern;  // httplib regex
  std::string name;     // readable pattern for logs, e.g. "/api/exams/{exam}"
  Access access = Access::kPublic;
  std::vector<exam::StaffRole> staff_roles;  // kStaff only; empty means every staff role
  RouteHandler handler;
};

std::vector<Route> StudentRoutes(ServerContext& context);
std::vector<Route> StaffRoutes(ServerContext& context);
std::vector<Route> StaticRoutes(ServerContext& context);

// Every route of the server, in one list.
std::vector<Route> AllRoutes(ServerContext& context);

// Installs every route with its wrapper, the error and exception handlers and
// the request logger.
void InstallRoutes(httplib::Server& server, ServerContext& context);

}  // namespace examd
