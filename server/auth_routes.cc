// Routes for staff sign-in in a browser (login sessions held in a cookie)
// and the security contact files: /.well-known/security.txt and the policy it
// points to.
#include <fmt/format.h>

#include <charconv>

#include "exam/crypto.h"
#include "exam/login.h"
#include "http_util.h"
#include "routes.h"
#include "security_policy.h"

namespace examd {

using nlohmann::json;

namespace {

constexpr const char* kSecureCookieName = "__Host-exam_session";
constexpr const char* kInsecureCookieName = "exam_session";

// Builds the Set-Cookie value. "__Host-" makes browsers accept the cookie
// only with Secure, Path=/ and no Domain, so no subdomain can set or read it.
std::string SessionCookie(const AuthSettings& settings, const std::string& value,
                          std::int64_t max_age_seconds) {
  return fmt::format("{}={}; Path=/; {}HttpOnly; SameSite=Lax; Max-Age={}",
                     LoginCookieName(settings), value, settings.insecure_cookies ? "" : "Secure; ",
                     max_age_seconds);
}

void SetSessionCookie(httplib::Response& res, const AuthSettings& settings,
                      const std::string& value, std::int64_t max_age_seconds) {
  res.headers.emplace("Set-Cookie", SessionCookie(settings, value, max_age_seconds));
}

void ClearSessionCookie(httplib::Response& res, const AuthSettings& settings) {
  SetSessionCookie(res, settings, "", 0);
}

// Reads an optional string field of a JSON object; fails on another type.
exam::Result<std::string> StringField(const json& body, const char* name, bool required) {
  if (!body.contains(name)) {
    if (required) {
      return exam::InvalidArgument(fmt::format("missing field \"{}\"", name));
    }
    return std::string();
  }
  if (!body[name].is_string()) {
    return exam::InvalidArgument(fmt::format("field \"{}\" must be a string", name));
  }
  return body[name].get<std::string>();
}

exam::Result<exam::LoginRequest> ParseLoginRequest(const httplib::Request& req,
                                                   const AuthSettings& settings) {
  auto body = ReadJsonBody(req);
  if (!body) {
    return body.error();
  }
  if (!body->is_object()) {
    return exam::InvalidArgument("the request body must be a JSON object with \"email\" and "
                                 "\"password\"");
  }
  exam::LoginRequest request;
  for (auto [name, target, required] :
       {std::tuple{"email", &request.email, true}, std::tuple{"password", &request.password, true},
        std::tuple{"org", &request.org_slug, false}}) {
    auto value = StringField(*body, name, required);
    if (!value) {
      return value.error();
    }
    *target = std::move(*value);
  }
  request.user_agent = req.get_header_value("User-Agent");
  request.previous_secret = LoginCookieValue(req, settings);
  return request;
}

json ProfileJson(const exam::StaffProfile& profile, const exam::StaffPrincipal& staff) {
  return {{"user", {{"id", staff.user_id}, {"email", profile.email}, {"name", profile.name},
                    {"role", exam::StaffRoleName(profile.role)}}},
          {"organization", {{"id", staff.org_id}, {"slug", profile.org_slug},
                            {"name", profile.org_name}}}};
}

void ReplyLocked(httplib::Response& res, std::int64_t retry_after_seconds) {
  res.set_header("Retry-After", std::to_string(retry_after_seconds));
  ReplyJson(res, 429,
            {{"error",
              {{"code", "too_many_requests"},
               {"message", fmt::format("too many failed sign-in attempts for this account; try "
                                       "again in {} seconds",
                                       retry_after_seconds)},
               {"id", "e-" + exam::NewSecret("").substr(0, 10)}}}});
}

void Login(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
  auto request = ParseLoginRequest(req, context.auth);
  if (!request) {
    return ReplyError(res, request.error(), context.log);
  }
  auto outcome =
      exam::Login(context.db, *request, context.auth.login_policy, context.clock, context.log);
  if (!outcome) {
    return ReplyError(res, outcome.error(), context.log);
  }
  if (outcome->retry_after_seconds) {
    return ReplyLocked(res, *outcome->retry_after_seconds);
  }
  if (!outcome->success) {
    return ReplyError(res,
                      {exam::ErrorCode::kUnauthenticated, std::string(exam::kLoginFailedMessage)},
                      context.log);
  }

  const exam::LoginSuccess& success = *outcome->success;
  RequestContext& current = CurrentRequest();
  current.org_id = std::to_string(success.staff.org_id);
  current.actor = fmt::format("staff:{}", success.staff.user_id);
  auto profile = exam::GetStaffProfile(context.db, success.staff);
  if (!profile) {
    return ReplyError(res, profile.error(), context.log);
  }
  SetSessionCookie(res, context.auth, success.secret,
                   context.auth.login_policy.absolute_timeout_ms / 1000);
  json body = ProfileJson(*profile, success.staff);
  body["csrf_token"] = success.csrf_token;
  body["login_session"] = {{"id", success.session_id},
                           {"expires_at", exam::FormatRfc3339(success.expires_at)}};
  ReplyJson(res, 200, body);
}

void Logout(ServerContext& context, httplib::Response& res, const Caller& caller) {
  exam::Status status = exam::RevokeLoginSession(context.db, *caller.staff,
                                                 caller.login_session->session_id, context.clock);
  if (!status) {
    return ReplyError(res, status.error(), context.log);
  }
  ClearSessionCookie(res, context.auth);
  ReplyJson(res, 200, {{"signed_out", true}});
}

void Me(ServerContext& context, const httplib::Request& req, httplib::Response& res,
        const Caller& caller) {
  auto profile = exam::GetStaffProfile(context.db, *caller.staff);
  if (!profile) {
    return ReplyError(res, profile.error(), context.log);
  }
  json body = ProfileJson(*profile, *caller.staff);
  if (caller.login_session) {
    body["csrf_token"] = exam::CsrfTokenFor(LoginCookieValue(req, context.auth));
    body["login_session"] = {{"id", caller.login_session->session_id},
                             {"expires_at", exam::FormatRfc3339(caller.login_session->expires_at)}};
  } else {
    body["csrf_token"] = nullptr;  // bearer-token requests need none
    body["login_session"] = nullptr;
  }
  ReplyJson(res, 200, body);
}

void ListSessions(ServerContext& context, httplib::Response& res, const Caller& caller) {
  auto sessions = exam::ListLoginSessions(context.db, *caller.staff, context.auth.login_policy,
                                          context.clock);
  if (!sessions) {
    return ReplyError(res, sessions.error(), context.log);
  }
  json list = json::array();
  for (const exam::LoginSessionInfo& session : *sessions) {
    list.push_back({{"id", session.id},
                    {"created_at", exam::FormatRfc3339(session.created_at)},
                    {"last_seen_at", exam::FormatRfc3339(session.last_seen_at)},
                    {"expires_at", exam::FormatRfc3339(session.expires_at)},
                    {"user_agent", session.user_agent},
                    {"current", caller.login_session &&
                                    caller.login_session->session_id == session.id}});
  }
  ReplyJson(res, 200, {{"sessions", list}});
}

void RevokeSession(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                   const Caller& caller) {
  const std::string text = req.matches[1].str();
  std::int64_t session_id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), session_id);
  if (error != std::errc() || end != text.data() + text.size()) {
    return ReplyError(res, exam::InvalidArgument(fmt::format("invalid session id \"{}\"", text)),
                      context.log);
  }
  exam::Status status = exam::RevokeLoginSession(context.db, *caller.staff, session_id,
                                                 context.clock);
  if (!status) {
    return ReplyError(res, status.error(), context.log);
  }
  if (caller.login_session && caller.login_session->session_id == session_id) {
    ClearSessionCookie(res, context.auth);
  }
  ReplyJson(res, 200, {{"revoked", session_id}});
}

// RFC 9116. Expires is fixed at start-up, within a year of it.
std::string SecurityTxt(const ServerContext& context) {
  std::string text;
  if (context.auth.security_contact == AuthSettings{}.security_contact) {
    text += "# The contact below is a placeholder; set the real one with examd "
            "--security-contact.\n";
  }
  text += fmt::format("Contact: {}\n", context.auth.security_contact);
  text += fmt::format("Expires: {}\n", exam::FormatRfc3339(context.auth.security_txt_expires));
  text += fmt::format("Policy: {}/security-policy\n", context.public_url);
  text += "Preferred-Languages: en\n";
  text += fmt::format("Canonical: {}/.well-known/security.txt\n", context.public_url);
  return text;
}

}  // namespace

const char* LoginCookieName(const AuthSettings& settings) {
  return settings.insecure_cookies ? kInsecureCookieName : kSecureCookieName;
}

std::string LoginCookieValue(const httplib::Request& req, const AuthSettings& settings) {
  const std::string header = req.get_header_value("Cookie");
  const std::string prefix = std::string(LoginCookieName(settings)) + "=";
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(';', start);
    if (end == std::string::npos) {
      end = header.size();
    }
    std::size_t first = header.find_first_not_of(' ', start);
    if (first != std::string::npos && first < end &&
        header.compare(first, prefix.size(), prefix) == 0) {
      return header.substr(first + prefix.size(), end - first - prefix.size());
    }
    start = end + 1;
  }
  return {};
}

std::vector<Route> AuthRoutes(ServerContext& context) {
  return {
      {"POST", "/api/auth/login", "/api/auth/login", Access::kPublic, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller&) {
         Login(context, req, res);
       }},
      {"POST", "/api/auth/logout", "/api/auth/logout", Access::kStaffSession, {},
       [&context](const httplib::Request&, httplib::Response& res, const Caller& caller) {
         Logout(context, res, caller);
       }},
      {"GET", "/api/auth/me", "/api/auth/me", Access::kStaff, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         Me(context, req, res, caller);
       }},
      {"GET", "/api/auth/sessions", "/api/auth/sessions", Access::kStaff, {},
       [&context](const httplib::Request&, httplib::Response& res, const Caller& caller) {
         ListSessions(context, res, caller);
       }},
      {"POST", R"(/api/auth/sessions/(\d{1,18})/revoke)", "/api/auth/sessions/{id}/revoke",
       Access::kStaff, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         RevokeSession(context, req, res, caller);
       }},
      {"GET", "/.well-known/security.txt", "/.well-known/security.txt", Access::kPublic, {},
       [&context](const httplib::Request&, httplib::Response& res, const Caller&) {
         ReplyBytes(res, 200, SecurityTxt(context), "text/plain; charset=utf-8");
       }},
      {"GET", "/security-policy", "/security-policy", Access::kPublic, {},
       [](const httplib::Request&, httplib::Response& res, const Caller&) {
         ReplyBytes(res, 200, std::string(SecurityPolicyText()), "text/plain; charset=utf-8");
       }},
  };
}

}  // namespace examd
