// Routes of the student's exam page: join through an invite, read the
// session's state, send events.
#include <fmt/format.h>

#include "exam/event.h"
#include "exam/event_store.h"
#include "exam/session_store.h"
#include "event_batcher.h"
#include "http_util.h"
#include "routes.h"

namespace examd {

using nlohmann::json;

namespace {

void Join(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
  auto body = ReadJsonBody(req);
  if (!body) {
    return ReplyError(res, body.error(), context.log);
  }
  if (!body->is_object() || !body->value("invite", json()).is_string()) {
    return ReplyError(res, exam::InvalidArgument("the request body must be {\"invite\": \"inv_...\"}"),
                      context.log);
  }
  auto state = exam::JoinExam(context.db, (*body)["invite"].get<std::string>(), context.clock);
  if (!state) {
    return ReplyError(res, state.error(), context.log);
  }
  ReplyJson(res, 200, *state);
}

void State(ServerContext& context, httplib::Response& res, const Caller& caller) {
  auto state = exam::GetSessionState(context.db, *caller.student, context.clock);
  if (!state) {
    return ReplyError(res, state.error(), context.log);
  }
  ReplyJson(res, 200, *state);
}

void PostEvents(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                const Caller& caller) {
  auto events = exam::ParseEventBatch(req.body);
  if (!events) {
    return ReplyError(res, events.error(), context.log);
  }
  exam::Result<exam::IngestResult> result = exam::Internal("no event store");
  if (context.event_batcher) {
    result = context.event_batcher->Ingest(*caller.student, std::move(*events));
  } else {
    const exam::SigningKey& key = context.signing_key;
    result = exam::IngestEvents(context.db, *caller.student, *events, context.clock,
                                [&key](std::string_view message) { return key.Sign(message); });
  }
  if (!result) {
    return ReplyError(res, result.error(), context.log);
  }
  json body = exam::IngestResultToJson(*result);
  if (!result->conflicts.empty()) {
    body["error"] = {{"code", "conflict"},
                     {"message", "some seqs were stored earlier with other content; they were "
                                 "recorded as conflicts and not changed"}};
  }
  ReplyJson(res, result->conflicts.empty() ? 200 : 409, body);
}

}  // namespace

std::vector<Route> StudentRoutes(ServerContext& context) {
  return {
      {"POST", "/api/student/join", "/api/student/join", Access::kPublic, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller&) {
         Join(context, req, res);
       }},
      {"GET", "/api/student/state", "/api/student/state", Access::kStudent, {},
       [&context](const httplib::Request&, httplib::Response& res, const Caller& caller) {
         State(context, res, caller);
       }},
      {"POST", "/api/student/events", "/api/student/events", Access::kStudent, {},
       [&context](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
         PostEvents(context, req, res, caller);
       }},
  };
}

}  // namespace examd
