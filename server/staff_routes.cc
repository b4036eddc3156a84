// Routes for staff through examctl: exams, rosters, exam sessions and events.
#include <fmt/format.h>

#include <charconv>

#include "exam/event_store.h"
#include "exam/evidence.h"
#include "exam/exam_spec.h"
#include "exam/exam_store.h"
#include "exam/roster.h"
#include "exam/session_store.h"
#include "exam/token_store.h"
#include "http_util.h"
#include "routes.h"

namespace examd {

using nlohmann::json;
using exam::StaffRole;

namespace {

// Path parameter for an exam: its id or its slug.
constexpr const char* kExamParam = "([a-z0-9-]{1,64})";

template <class T>
void ReplyResult(ServerContext& context, httplib::Response& res, int status,
                 const exam::Result<T>& result) {
  if (!result) {
    return ReplyError(res, result.error(), context.log);
  }
  ReplyJson(res, status, *result);
}

// Parses an optional non-negative integer query parameter.
exam::Result<std::int64_t> IntegerParam(const httplib::Request& req, const char* name,
                                        std::int64_t fallback) {
  if (!req.has_param(name)) {
    return fallback;
  }
  const std::string text = req.get_param_value(name);
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    return exam::InvalidArgument(
        fmt::format("query parameter {} must be a non-negative integer, got \"{}\"", name, text));
  }
  return value;
}

void CreateExam(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                const Caller& caller) {
  auto body = ReadJsonBody(req);
  if (!body) {
    return ReplyError(res, body.error(), context.log);
  }
  auto spec = exam::ExamSpecFromJson(*body);
  if (!spec) {
    return ReplyError(res, spec.error(), context.log);
  }
  ReplyResult(context, res, 201, exam::CreateExam(context.db, *caller.staff, *spec));
}

void ImportRoster(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                  const Caller& caller) {
  auto body = ReadJsonBody(req);
  if (!body) {
    return ReplyError(res, body.error(), context.log);
  }
  auto rows = exam::RosterRowsFromJson(*body);
  if (!rows) {
    return ReplyError(res, rows.error(), context.log);
  }
  auto imported = exam::ImportRoster(context.db, *caller.staff, req.matches[1].str(), *rows);
  if (!imported) {
    return ReplyError(res, imported.error(), context.log);
  }
  for (json& entry : (*imported)["entries"]) {
    if (entry.contains("invite")) {
      entry["invite_url"] = context.public_url + "/exam#invite=" + entry["invite"].get<std::string>();
    }
  }
  ReplyJson(res, 200, *imported);
}

void PullEvents(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                const Caller& caller) {
  exam::EventQuery query;
  auto session = IntegerParam(req, "session", 0);
  auto after = IntegerParam(req, "after", 0);
  auto limit = IntegerParam(req, "limit", 1000);
  for (const auto* parsed : {&session, &after, &limit}) {
    if (!*parsed) {
      return ReplyError(res, parsed->error(), context.log);
    }
  }
  if (*session > 0) {
    query.session_id = *session;
  }
  query.after_seq = *after;
  query.limit = static_cast<int>(std::min<std::int64_t>(*limit, 1000000));
  if (req.has_param("cursor")) {
    const std::string cursor = req.get_param_value("cursor");
    long long cursor_session = 0;
    long long cursor_seq = 0;
    if (std::sscanf(cursor.c_str(), "%lld:%lld", &cursor_session, &cursor_seq) != 2) {
      return ReplyError(res,
                        exam::InvalidArgument(fmt::format(
                            "cursor must be SESSION:SEQ as returned in next_cursor, got \"{}\"",
                            cursor)),
                        context.log);
    }
    query.cursor_session = cursor_session;
    query.cursor_seq = cursor_seq;
  }
  auto page = exam::PullEvents(context.db, *caller.staff, req.matches[1].str(), query);
  if (!page) {
    return ReplyError(res, page.error(), context.log);
  }
  if (page->contains("chain_heads")) {
    for (json& head : (*page)["chain_heads"]) {
      head["signature"] = context.signing_key.Sign(exam::ChainHeadMessage(
          head["org_id"].get<std::int64_t>(), head["session_id"].get<std::int64_t>(),
          head["seq"].get<std::int64_t>(), head["head"].get<std::string>()));
    }
  }
  ReplyJson(res, 200, *page);
}

void CreateToken(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                 const Caller& caller) {
  auto body = ReadJsonBody(req);
  if (!body) {
    return ReplyError(res, body.error(), context.log);
  }
  if (!body->is_object()) {
    return ReplyError(res, exam::InvalidArgument("the request body must be a JSON object"),
                      context.log);
  }
  for (const auto& [field, value] : body->items()) {
    if (field != "name" && field != "role" && field != "expires_in_days") {
      return ReplyError(res,
                        exam::InvalidArgument(fmt::format(
                            "field \"{}\" cannot be set; the fields are name, role and "
                            "expires_in_days",
                            field)),
                        context.log);
    }
  }
  const json& name = body->value("name", json(""));
  const json& role = body->value("role", json());
  const json& days = body->value("expires_in_days", json(90));
  std::optional<StaffRole> token_role;
  if (!role.is_null()) {
    token_role = role.is_string() ? exam::StaffRoleFromName(role.get<std::string>()) : std::nullopt;
    if (!token_role) {
      return ReplyError(res, exam::InvalidArgument("role must be \"admin\", \"instructor\" or \"ta\""),
                        context.log);
    }
  }
  if (!name.is_string() || !days.is_number_integer()) {
    return ReplyError(
        res, exam::InvalidArgument("name must be a string and expires_in_days an integer"),
        context.log);
  }
  const std::int64_t day_count = days.get<std::int64_t>();
  ReplyResult(context, res, 201,
              exam::CreateOwnApiToken(context.db, *caller.staff, name.get<std::string>(),
                                      token_role,
                                      day_count < 0 || day_count > 10000
                                          ? -1
                                          : static_cast<int>(day_count),
                                      context.clock));
}

void ListAudit(ServerContext& context, const httplib::Request& req, httplib::Response& res,
               const Caller& caller) {
  auto limit = IntegerParam(req, "limit", 100);
  auto before = IntegerParam(req, "before", 0);
  for (const auto* parsed : {&limit, &before}) {
    if (!*parsed) {
      return ReplyError(res, parsed->error(), context.log);
    }
  }
  ReplyResult(context, res, 200,
              exam::ListAuditLog(context.db, *caller.staff,
                                 static_cast<int>(std::min<std::int64_t>(*limit, 100000)),
                                 *before));
}

}  // namespace

std::vector<Route> StaffRoutes(ServerContext& context) {
  const std::string exam_path = std::string("/api/exams/") + kExamParam;
  const std::vector<StaffRole> writers = {StaffRole::kAdmin, StaffRole::kInstructor};
  // Writes to an exam look it up before the role check (Route::find_object).
  auto find_exam = [&context](const httplib::Request& req,
                              const exam::StaffPrincipal& staff) -> exam::Status {
    auto found = exam::FindExamId(context.db, staff, req.matches[1].str());
    if (!found) {
      return found.error();
    }
    return {};
  };
  return {
      {"GET", "/api/server-key", "/api/server-key", Access::kPublic, {},
       [&context](const httplib::Request&, httplib::Response& res, const Caller&) {
         ReplyJson(res, 200,
                   {{"algorithm", "ed25519"}, {"public_key", context.signing_key.public_key()}});
       }},
      {"GET", "/api/tokens", "/api/tokens", Access::kStaff, {},
       [&context](const httplib::Request&, httplib::Response& res, const Caller& caller) {
         ReplyResult(context, res, 200, exam::ListApiTokens(context.db, *caller.staff));
       }},
      {"POST", "/api/tokens", "/api/tokens", Access::kStaff, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         CreateToken(context, req, res, caller);
       }},
      {"POST", R"(/api/tokens/([0-9]{1,18})/revoke)", "/api/tokens/{id}/revoke", Access::kStaff,
       {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         ReplyResult(context, res, 200,
                     exam::RevokeApiToken(context.db, *caller.staff,
                                          std::stoll(req.matches[1].str()), context.clock));
       }},
      {"GET", "/api/audit", "/api/audit", Access::kStaff, {StaffRole::kAdmin},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         ListAudit(context, req, res, caller);
       }},
      {"GET", "/api/exams", "/api/exams", Access::kStaff, {},
       [&context](const httplib::Request&, httplib::Response& res, const Caller& caller) {
         ReplyResult(context, res, 200, exam::ListExams(context.db, *caller.staff));
       }},
      {"POST", "/api/exams", "/api/exams", Access::kStaff, writers,
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         CreateExam(context, req, res, caller);
       }},
      {"GET", exam_path, "/api/exams/{exam}", Access::kStaff, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         ReplyResult(context, res, 200,
                     exam::GetExam(context.db, *caller.staff, req.matches[1].str()));
       }},
      {"POST", exam_path + "/publish", "/api/exams/{exam}/publish", Access::kStaff, writers,
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         ReplyResult(context, res, 200,
                     exam::PublishExam(context.db, *caller.staff, req.matches[1].str()));
       },
       find_exam},
      {"POST", exam_path + "/roster", "/api/exams/{exam}/roster", Access::kStaff, writers,
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         ImportRoster(context, req, res, caller);
       },
       find_exam},
      {"POST", exam_path + "/staff", "/api/exams/{exam}/staff", Access::kStaff, writers,
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         auto body = ReadJsonBody(req);
         if (!body) {
           return ReplyError(res, body.error(), context.log);
         }
         if (!body->is_object() || !body->value("email", json()).is_string() ||
             !body->value("role", json()).is_string() || body->size() != 2) {
           return ReplyError(
               res, exam::InvalidArgument("the request body must be {\"email\": ..., \"role\": ...}"),
               context.log);
         }
         ReplyResult(context, res, 200,
                     exam::AssignExamStaff(context.db, *caller.staff, req.matches[1].str(),
                                           (*body)["email"].get<std::string>(),
                                           (*body)["role"].get<std::string>()));
       },
       find_exam},
      {"GET", exam_path + "/sessions", "/api/exams/{exam}/sessions", Access::kStaff, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         ReplyResult(context, res, 200,
                     exam::ListSessions(context.db, *caller.staff, req.matches[1].str()));
       }},
      {"GET", exam_path + "/events", "/api/exams/{exam}/events", Access::kStaff, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         PullEvents(context, req, res, caller);
       }},
  };
}

}  // namespace examd
