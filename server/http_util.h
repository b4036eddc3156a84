// Helpers shared by examd's route files: JSON replies, error replies, the
// security headers every response carries, and the per-request context that
// the request log line reads.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "exam/error.h"
#include "exam/log.h"

namespace examd {

// What one request did, filled in by the route wrapper and read by the
// request logger on the same thread once the response is written.
struct RequestContext {
  std::string request_id;
  std::string route;  // the route's pattern, e.g. "/api/exams/{exam}/events"
  std::string org_id;
  std::string actor;  // "staff:12", "student-session:40", or empty
};

RequestContext& CurrentRequest();

// A new request id, unique within this process: "r-" + 12 hex digits.
std::string NewRequestId();

// Maps an error code to the HTTP status in one place.
int HttpStatusFor(exam::ErrorCode code);

// Replies with a JSON body, without on-the-fly compression: httplib 0.11
// would brotli-compress every JSON body at quality 11 when a client accepts
// br, which costs far more CPU than the bytes it saves on loopback or LAN.
void ReplyJson(httplib::Response& res, int status, const nlohmann::json& body);

// Replies {"error": {"code", "message", "id"}}; logs server-side failures with
// the error id.
void ReplyError(httplib::Response& res, const exam::Error& error, exam::LogSink& log);

// Replies with bytes of the given type, uncompressed.
void ReplyBytes(httplib::Response& res, int status, std::string body, std::string content_type);

// Headers on every response. `csp` is the Content-Security-Policy to send.
void ApplySecurityHeaders(httplib::Response& res, const std::string& csp);

// The policy for API and error responses, which load nothing.
const std::string& ApiContentSecurityPolicy();

// Returns the bearer token of the Authorization header, or empty.
std::string BearerToken(const httplib::Request& req);

// Parses a JSON request body. Fails with 415 when Content-Type is not
// application/json, 400 when the body is not valid JSON.
exam::Result<nlohmann::json> ReadJsonBody(const httplib::Request& req);

// Fails when the request's Content-Type is not application/json.
exam::Status RequireJsonContentType(const httplib::Request& req);

}  // namespace examd
