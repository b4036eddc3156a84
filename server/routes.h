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
#include "exam/login.h"
#include "exam/operator.h"
#include "exam/principal.h"
#include "exam/time.h"

namespace examd {

class WebAssets;
class EventBatcher;
class SessionTokenCache;

// Settings of staff sign-in in the browser and of the headers that depend on
// how examd is deployed.
struct AuthSettings {
  exam::LoginPolicy login_policy;
  // Plain-HTTP demos only: the cookie is "exam_session" without Secure,
  // because browsers reject a "__Host-" cookie that lacks Secure.
  bool insecure_cookies = false;
  // A TLS-terminating reverse proxy is in front, so responses carry HSTS.
  bool tls_proxy = false;
  std::string security_contact = "mailto:security@example.org";
  exam::UnixMillis security_txt_expires = 0;  // computed at start-up
};

struct ServerContext {
  exam::Database& db;
  const exam::Clock& clock;
  exam::LogSink& log;
  const WebAssets& assets;
  const exam::SigningKey& signing_key;  // signs hash chain heads
  std::string public_url;  // base of invite links, e.g. "http://127.0.0.1:8080"
  AuthSettings auth{};
  // Group commit of student events; null stores each request in its own transaction.
  EventBatcher* event_batcher = nullptr;
  // Cached session token look-ups; null asks the database on every request.
  SessionTokenCache* session_tokens = nullptr;
};

enum class Access {
  kPublic,   // anyone; the handler checks any secret it needs itself
  kStudent,  // an exam session token (Authorization: Bearer est_...)
  kStaff,    // an API token (Authorization: Bearer ect_...) or a login session cookie,
             // of one of `staff_roles`; cookie-authenticated writes need X-CSRF-Token
  kStaffSession,  // a login session cookie only, such as sign-out
  kOperator,      // an operator credential (Authorization: Bearer eop_...); no cookie
};

// Who is calling, as established by the wrapper before the handler runs.
struct Caller {
  std::optional<exam::StaffPrincipal> staff;
  std::optional<exam::StudentPrincipal> student;
  std::optional<exam::LoginSession> login_session;  // set when `staff` came from the cookie
  std::optional<exam::OperatorPrincipal> platform_operator;
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
  // Looks up the object that the path names, scoped to the caller's
  // organization and to what the caller may see. Required for a kStaff route
  // that has a path parameter and limits `staff_roles`: it runs before the
  // role check, so an object the caller may not see gets 404 whatever the
  // caller's role, and only a visible object can get 403.
  std::function<exam::Status(const httplib::Request&, const exam::StaffPrincipal&)> find_object =
      nullptr;
};

std::vector<Route> StudentRoutes(ServerContext& context);
std::vector<Route> StaffRoutes(ServerContext& context);
std::vector<Route> StaticRoutes(ServerContext& context);
std::vector<Route> AuthRoutes(ServerContext& context);
std::vector<Route> OperatorRoutes(ServerContext& context);

// Returns the name of the login session cookie under `settings`.
const char* LoginCookieName(const AuthSettings& settings);

// Returns the value of the login session cookie sent with `req`, or empty.
std::string LoginCookieValue(const httplib::Request& req, const AuthSettings& settings);

// Every route of the server, in one list. Throws std::logic_error for a
// kStaff route that limits `staff_roles` on a path parameter without a
// `find_object`.
std::vector<Route> AllRoutes(ServerContext& context);

// Installs every route with its wrapper, the error and exception handlers and
// the request logger.
void InstallRoutes(httplib::Server& server, ServerContext& context);

}  // namespace examd
