#include "routes.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <memory>
#include <set>
#include <regex>
#include <map>

#include "exam/auth.h"
#include "exam/login.h"
#include "http_util.h"
#include "session_token_cache.h"

namespace examd {
namespace {

using nlohmann::json;

thread_local std::chrono::steady_clock::time_point request_start;

bool IsWrite(const std::string& method) { return method != "GET" && method != "HEAD"; }

// Browsers send Sec-Fetch-Site and Origin; a write from another site is
// refused before anything else runs. Clients without them (examctl) pass.
exam::Status CheckSameOrigin(const httplib::Request& req, const ServerContext& context) {
  if (req.get_header_value("Sec-Fetch-Site") == "cross-site") {
    return exam::Error{exam::ErrorCode::kForbidden, "cross-site requests may not change data"};
  }
  if (req.has_header("Origin")) {
    const std::string origin = req.get_header_value("Origin");
    const std::string host = req.get_header_value("Host");
    const bool same = origin == context.public_url || origin == "http://" + host ||
                      origin == "https://" + host;
    if (!same) {
      return exam::Error{exam::ErrorCode::kForbidden,
                         fmt::format("requests from origin \"{}\" may not change data", origin)};
    }
  }
  return {};
}

exam::Status CheckStaffRole(const httplib::Request& req, const Route& route,
                            const exam::StaffPrincipal& staff) {
  if (route.staff_roles.empty()) {
    return {};
  }
  std::vector<std::string> allowed;
  for (exam::StaffRole role : route.staff_roles) {
    if (role == staff.role) {
      return {};
    }
    allowed.push_back(exam::StaffRoleName(role));
  }
  return exam::Error{
      exam::ErrorCode::kForbidden,
      fmt::format("the {} role may not call {} {}; ask a member with the {} role",
                  exam::StaffRoleName(staff.role), req.method, req.path,
                  fmt::join(allowed, " or "))};
}

// Authenticates a staff request by its login session cookie. A write must
// also carry the session's CSRF token in X-CSRF-Token, because a browser
// sends the cookie with requests that other sites start.
exam::Status AuthenticateLoginCookie(const httplib::Request& req, const Route& route,
                                     ServerContext& context, Caller& caller) {
  const std::string secret = LoginCookieValue(req, context.auth);
  if (secret.empty()) {
    return exam::Error{exam::ErrorCode::kUnauthenticated,
                       route.access == Access::kStaffSession
                           ? "missing login session cookie; sign in with POST /api/auth/login"
                           : "missing credential: send Authorization: Bearer with an API token, "
                             "or sign in with POST /api/auth/login"};
  }
  auto session =
      exam::AuthenticateLoginSession(context.db, secret, context.auth.login_policy, context.clock);
  if (!session) {
    return session.error();
  }
  RequestContext& request = CurrentRequest();
  request.org_id = std::to_string(session->staff.org_id);
  request.actor = fmt::format("staff:{}", session->staff.user_id);
  if (IsWrite(req.method) &&
      !exam::CsrfTokenMatches(secret, req.get_header_value("X-CSRF-Token"))) {
    return exam::Error{exam::ErrorCode::kForbidden,
                       "missing or wrong X-CSRF-Token header; send the csrf_token that "
                       "POST /api/auth/login and GET /api/auth/me return"};
  }
  caller.staff = session->staff;
  caller.login_session = *session;
  return {};
}

exam::Status AuthenticateOperator(const std::string& token, ServerContext& context,
                                  Caller& caller) {
  if (token.empty()) {
    return exam::Error{exam::ErrorCode::kUnauthenticated,
                       "missing Authorization: Bearer header with an operator credential "
                       "(eop_...); create one with `examctl admin operator create`"};
  }
  auto found = exam::AuthenticateOperatorToken(context.db, token, context.clock);
  if (!found) {
    return found.error();
  }
  CurrentRequest().actor = fmt::format("operator:{}", found->credential_id);
  caller.platform_operator = *found;
  return {};
}

// Establishes who is calling. Role checks come later, in Authorize.
exam::Status Authenticate(const httplib::Request& req, const Route& route,
                          ServerContext& context, Caller& caller) {
  if (route.access == Access::kPublic) {
    return {};
  }
  const std::string token = BearerToken(req);
  if (route.access == Access::kOperator) {
    return AuthenticateOperator(token, context, caller);
  }
  // A bearer token wins over a cookie, so examctl never needs a CSRF token.
  if (route.access == Access::kStaffSession ||
      (route.access == Access::kStaff && token.empty())) {
    return AuthenticateLoginCookie(req, route, context, caller);
  }
  if (token.empty()) {
    return exam::Error{exam::ErrorCode::kUnauthenticated,
                       "missing Authorization: Bearer header with a token"};
  }
  RequestContext& request = CurrentRequest();
  if (route.access == Access::kStudent) {
    auto student = context.session_tokens
                       ? context.session_tokens->Authenticate(context.db, token)
                       : exam::AuthenticateSessionToken(context.db, token);
    if (!student) {
      return student.error();
    }
    caller.student = *student;
    request.org_id = std::to_string(student->org_id);
    request.actor = fmt::format("student-session:{}", student->session_id);
    return {};
  }

  if (token.rfind(exam::kOperatorTokenPrefix, 0) == 0) {
    return exam::Error{exam::ErrorCode::kUnauthenticated,
                       fmt::format("an operator credential is not accepted on {}; the operator "
                                   "acts through /api/operator/ routes, outside every "
                                   "organization",
                                   route.name)};
  }
  auto staff = exam::AuthenticateApiToken(context.db, token, context.clock);
  if (!staff) {
    return staff.error();
  }
  request.org_id = std::to_string(staff->org_id);
  request.actor = fmt::format("staff:{}", staff->user_id);
  caller.staff = *staff;
  return {};
}

// Decides whether an authenticated staff caller may call the route: first
// the object that the path names must be visible to the caller (404
// otherwise), then the caller's role must be one the route allows (403).
// That order keeps a 403 from revealing that another organization's object
// exists.
exam::Status Authorize(const httplib::Request& req, const Route& route, const Caller& caller) {
  if (!caller.staff) {
    return {};
  }
  if (route.find_object) {
    if (exam::Status found = route.find_object(req, *caller.staff); !found) {
      return found;
    }
  }
  return CheckStaffRole(req, route, *caller.staff);
}

httplib::Server::Handler Wrap(Route route, ServerContext& context) {
  return [route = std::move(route), &context](const httplib::Request& req,
                                              httplib::Response& res) {
    RequestContext& request = CurrentRequest();
    request.route = route.name;

    Caller caller;
    exam::Status status;
    if (IsWrite(req.method)) {
      status = CheckSameOrigin(req, context);
      if (status) {
        status = RequireJsonContentType(req);
      }
    }
    if (status) {
      status = Authenticate(req, route, context, caller);
    }
    if (status) {
      status = Authorize(req, route, caller);
    }
    if (!status) {
      ReplyError(res, status.error(), context.log);
    } else {
      route.handler(req, res, caller);
    }

    if (!res.has_header("Content-Security-Policy")) {
      ApplySecurityHeaders(res, ApiContentSecurityPolicy());
    }
    if (route.access != Access::kPublic || !res.has_header("Cache-Control")) {
      res.set_header("Cache-Control", "no-store");
    }
    if (context.auth.tls_proxy) {
      res.set_header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }
  };
}

}  // namespace

std::vector<Route> AllRoutes(ServerContext& context) {
  std::vector<Route> routes;
  for (auto group : {StudentRoutes, StaffRoutes, StaticRoutes, AuthRoutes, OperatorRoutes}) {
    for (Route& route : group(context)) {
      const bool has_parameter = route.pattern.find('(') != std::string::npos;
      if (route.access == Access::kStaff && has_parameter && !route.staff_roles.empty() &&
          !route.find_object) {
        throw std::logic_error("route " + route.method + " " + route.name +
                               " limits staff roles on a path parameter but has no find_object, "
                               "so its role check would answer before the object look-up");
      }
      routes.push_back(std::move(route));
    }
  }
  return routes;
}

void InstallRoutes(httplib::Server& server, ServerContext& context) {
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response& res) {
    request_start = std::chrono::steady_clock::now();
    RequestContext& request = CurrentRequest();
    request = RequestContext{};
    request.request_id = NewRequestId();
    res.set_header("X-Request-Id", request.request_id);
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // The methods that each path pattern accepts, for 405 replies with Allow.
  auto allowed = std::make_shared<std::vector<std::pair<std::regex, std::string>>>();
  std::map<std::string, std::set<std::string>> methods_by_pattern;
  for (Route& route : AllRoutes(context)) {
    httplib::Server::Handler handler = Wrap(route, context);
    if (route.method == "GET") {
      server.Get(route.pattern, handler);
    } else if (route.method == "POST") {
      server.Post(route.pattern, handler);
    } else {
      throw std::logic_error("route " + route.name + " has unsupported method " + route.method);
    }
    methods_by_pattern[route.pattern].insert(route.method);
  }
  for (const auto& [pattern, methods] : methods_by_pattern) {
    std::string allow;
    for (const std::string& method : methods) {
      allow += (allow.empty() ? "" : ", ") + method;
    }
    allowed->emplace_back(std::regex(pattern), allow);
  }

  // A known path requested with a method it does not accept gets 405 and
  // Allow. An unknown path stays 404.
  auto method_not_allowed = [allowed, &context](const httplib::Request& req,
                                                httplib::Response& res) {
    for (const auto& [pattern, allow] : *allowed) {
      if (std::regex_match(req.path, pattern)) {
        res.set_header("Allow", allow);
        ReplyError(res,
                   exam::Error{exam::ErrorCode::kInvalidArgument,
                               fmt::format("{} is not allowed on {}; use {}", req.method, req.path,
                                           allow)},
                   context.log);
        res.status = 405;
        ApplySecurityHeaders(res, ApiContentSecurityPolicy());
        res.set_header("Cache-Control", "no-store");
        return;
      }
    }
    ReplyError(res, exam::NotFound(fmt::format("no route for {} {}", req.method, req.path)),
               context.log);
    ApplySecurityHeaders(res, ApiContentSecurityPolicy());
    res.set_header("Cache-Control", "no-store");
  };
  for (const auto& [pattern, methods] : methods_by_pattern) {
    if (!methods.count("GET")) {
      server.Get(pattern, method_not_allowed);
    }
    if (!methods.count("POST")) {
      server.Post(pattern, method_not_allowed);
    }
  }
  server.Put(".*", method_not_allowed);
  server.Patch(".*", method_not_allowed);
  server.Delete(".*", method_not_allowed);

  // Replies for requests that no route took (404) and for bodies over the
  // size limit (413); routes write their own error bodies.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [&context](const httplib::Request& req, httplib::Response& res) {
    if (res.content_provider_ || !res.body.empty()) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    exam::Error error{exam::ErrorCode::kNotFound, fmt::format("no route for {} {}", req.method, req.path)};
    if (res.status == 413) {
      error = {exam::ErrorCode::kTooLarge, "the request body is larger than the server accepts"};
    } else if (res.status == 405) {
      error = {exam::ErrorCode::kInvalidArgument, "method not allowed"};
    }
    const int status = res.status;
    ReplyError(res, error, context.log);
    if (status == 413 || status == 405) {
      res.status = status;
    }
    if (!res.has_header("Content-Security-Policy")) {
      ApplySecurityHeaders(res, ApiContentSecurityPolicy());
    }
    res.set_header("Cache-Control", "no-store");
    return httplib::Server::HandlerResponse::Handled;
  }));

  // The last line of defence: anything a handler throws becomes a 500 with an
  // error id, and the detail goes to the log only.
  server.set_exception_handler(
      [&context](const httplib::Request&, httplib::Response& res, std::exception_ptr thrown) {
        std::string detail = "unknown exception";
        try {
          std::rethrow_exception(thrown);
        } catch (const std::exception& error) {
          detail = error.what();
        } catch (...) {
        }
        res.headers.erase("Content-Security-Policy");
        ReplyError(res, exam::Internal(detail), context.log);
        ApplySecurityHeaders(res, ApiContentSecurityPolicy());
        res.set_header("Cache-Control", "no-store");
      });

  server.set_logger([&context](const httplib::Request& req, const httplib::Response& res) {
    const RequestContext& request = CurrentRequest();
    const auto elapsed = std::chrono::steady_clock::now() - request_start;
    const double millis =
        std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() / 1000.0;
    context.log.Write(exam::LogLevel::kInfo, "request",
                      {{"request_id", request.request_id},
                       {"method", req.method},
                       {"route", request.route.empty() ? "(none)" : request.route},
                       {"status", std::to_string(res.status)},
                       {"duration_ms", fmt::format("{:.2f}", millis)},
                       {"org_id", request.org_id},
                       {"actor", request.actor}});
  });
}

}  // namespace examd
