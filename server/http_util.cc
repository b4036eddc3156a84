#include "http_util.h"

#include <fmt/format.h>

#include <atomic>
#include <memory>

#include "exam/crypto.h"
#include "exam/event.h"

namespace examd {

using nlohmann::json;

RequestContext& CurrentRequest() {
  thread_local RequestContext context;
  return context;
}

std::string NewRequestId() {
  // A random prefix per process keeps ids from two instances apart.
  static const std::string process_prefix = exam::NewSecret("").substr(0, 6);
  static std::atomic<std::uint64_t> counter{0};
  return fmt::format("r-{}-{:x}", process_prefix, ++counter);
}

int HttpStatusFor(exam::ErrorCode code) {
  switch (code) {
    case exam::ErrorCode::kInvalidArgument:
      return 400;
    case exam::ErrorCode::kUnauthenticated:
      return 401;
    case exam::ErrorCode::kForbidden:
      return 403;
    case exam::ErrorCode::kNotFound:
      return 404;
    case exam::ErrorCode::kConflict:
      return 409;
    case exam::ErrorCode::kTooLarge:
      return 413;
    case exam::ErrorCode::kUnsupportedMediaType:
      return 415;
    case exam::ErrorCode::kUnavailable:
      return 503;
    case exam::ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

void ReplyBytes(httplib::Response& res, int status, std::string body, std::string content_type) {
  res.status = status;
  auto shared = std::make_shared<std::string>(std::move(body));
  // A content provider with a known length is sent as is: httplib compresses
  // only bodies set with set_content.
  res.set_content_provider(
      shared->size(), content_type,
      [shared](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        sink.write(shared->data() + offset, std::min(length, shared->size() - offset));
        return true;
      });
}

void ReplyJson(httplib::Response& res, int status, const json& body) {
  ReplyBytes(res, status, body.dump(-1, ' ', false, json::error_handler_t::replace),
             "application/json");
}

void ReplyError(httplib::Response& res, const exam::Error& error, exam::LogSink& log) {
  const int status = HttpStatusFor(error.code);
  const std::string error_id = "e-" + exam::NewSecret("").substr(0, 10);
  std::string message = error.message;
  if (status >= 500) {
    log.Write(status == 503 ? exam::LogLevel::kWarning : exam::LogLevel::kError, "request failed",
              {{"error_id", error_id},
               {"request_id", CurrentRequest().request_id},
               {"code", exam::ErrorCodeName(error.code)},
               {"detail", error.message}});
    // Internals stay in the log; the client gets the id to quote.
    if (status == 500) {
      message = fmt::format("internal error; quote error id {} to the operator", error_id);
    }
  }
  if (status == 503) {
    res.set_header("Retry-After", "2");
  }
  ReplyJson(res, status,
            {{"error", {{"code", exam::ErrorCodeName(error.code)}, {"message", message},
                        {"id", error_id}}}});
}

const std::string& ApiContentSecurityPolicy() {
  static const std::string policy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
  return policy;
}

void ApplySecurityHeaders(httplib::Response& res, const std::string& csp) {
  res.set_header("Content-Security-Policy", csp);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
  res.set_header("Cross-Origin-Embedder-Policy", "require-corp");
  res.set_header("Cross-Origin-Resource-Policy", "same-origin");
  res.set_header("X-Frame-Options", "DENY");
}

std::string BearerToken(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || header.compare(0, kScheme.size(), kScheme) != 0) {
    return {};
  }
  return header.substr(kScheme.size());
}

exam::Status RequireJsonContentType(const httplib::Request& req) {
  const std::string type = req.get_header_value("Content-Type");
  const std::string media_type = type.substr(0, type.find(';'));
  if (media_type != "application/json") {
    return exam::Error{exam::ErrorCode::kUnsupportedMediaType,
                       fmt::format("Content-Type must be application/json, got \"{}\"", type)};
  }
  return {};
}

exam::Result<json> ReadJsonBody(const httplib::Request& req) {
  if (exam::Status status = RequireJsonContentType(req); !status) {
    return status.error();
  }
  if (exam::JsonNestsDeeperThan(req.body, exam::kMaxJsonDepth)) {
    return exam::InvalidArgument(fmt::format(
        "the request body nests arrays and objects more than {} levels deep", exam::kMaxJsonDepth));
  }
  try {
    return json::parse(req.body);
  } catch (const json::parse_error& error) {
    return exam::InvalidArgument(
        fmt::format("the request body is not valid JSON (byte {})", error.byte));
  } catch (const json::exception&) {
    // nlohmann::json 3.11 reports a number beyond a double's range (1e999)
    // as out_of_range rather than as a parse error.
    return exam::InvalidArgument("the request body has a number too large for a double");
  }
}

}  // namespace examd
