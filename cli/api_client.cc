#include "api_client.h"

#include <fmt/format.h>
#include <httplib.h>

#include <cstdio>

namespace examctl {

using nlohmann::json;

ApiClient::ApiClient(std::string server, std::string token)
    : server_(std::move(server)), token_(std::move(token)) {
  while (!server_.empty() && server_.back() == '/') {
    server_.pop_back();
  }
}

exam::Result<ApiClient> ApiClient::FromOptions(const GlobalOptions& options, bool require_token) {
  if (options.server.empty()) {
    return exam::InvalidArgument(
        "no server given; pass --server http://HOST:PORT or set EXAM_SERVER");
  }
  if (options.server.rfind("http://", 0) != 0 && options.server.rfind("https://", 0) != 0) {
    return exam::InvalidArgument(fmt::format(
        "--server must start with http:// or https://, got \"{}\"", options.server));
  }
  if (require_token && options.token.empty()) {
    return exam::InvalidArgument(
        "no API token given; pass --token or set EXAM_TOKEN (create one with "
        "`examctl admin token create`)");
  }
  return ApiClient(options.server, options.token);
}

exam::Result<json> ApiClient::Decode(const char* method, const std::string& path, int status,
                                     const std::string& body) const {
  json parsed;
  try {
    parsed = body.empty() ? json::object() : json::parse(body);
  } catch (const json::parse_error&) {
    return exam::Internal(fmt::format("{} {} returned HTTP {} with a body that is not JSON",
                                      method, path, status));
  }
  if (status >= 200 && status < 300) {
    return parsed;
  }

  std::string message = fmt::format("{} {} failed with HTTP {}", method, path, status);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    message = parsed["error"].value("message", message);
  }
  exam::ErrorCode code = exam::ErrorCode::kInternal;
  switch (status) {
    case 400:
      code = exam::ErrorCode::kInvalidArgument;
      break;
    case 401:
      code = exam::ErrorCode::kUnauthenticated;
      break;
    case 403:
      code = exam::ErrorCode::kForbidden;
      break;
    case 404:
      code = exam::ErrorCode::kNotFound;
      break;
    case 409:
      code = exam::ErrorCode::kConflict;
      break;
    case 413:
      code = exam::ErrorCode::kTooLarge;
      break;
    case 503:
      code = exam::ErrorCode::kUnavailable;
      break;
    default:
      break;
  }
  return exam::Error{code, message};
}

namespace {

std::unique_ptr<httplib::Client> MakeClient(const std::string& server, const std::string& token) {
  auto client = std::make_unique<httplib::Client>(server);
  if (!token.empty()) {
    client->set_bearer_token_auth(token);
  }
  client->set_connection_timeout(10);
  client->set_read_timeout(120);
  client->set_write_timeout(120);
  return client;
}

exam::Error Unreachable(const std::string& server, httplib::Error error) {
  const std::string reason =
      error == httplib::Error::Connection ? "connection refused or failed" : httplib::to_string(error);
  return exam::Unavailable(fmt::format("cannot reach the server at {}: {}; check --server or "
                                       "EXAM_SERVER and that examd is running",
                                       server, reason));
}

}  // namespace

exam::Result<json> ApiClient::Get(const std::string& path) const {
  auto client = MakeClient(server_, token_);
  httplib::Result result = client->Get(path);
  if (!result) {
    return Unreachable(server_, result.error());
  }
  return Decode("GET", path, result->status, result->body);
}

exam::Result<json> ApiClient::Post(const std::string& path, const json& body) const {
  auto client = MakeClient(server_, token_);
  httplib::Result result = client->Post(path, body.dump(), "application/json");
  if (!result) {
    return Unreachable(server_, result.error());
  }
  return Decode("POST", path, result->status, result->body);
}

std::string UrlEncode(const std::string& text) {
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded += fmt::format("%{:02X}", c);
    }
  }
  return encoded;
}

int ExitCodeFor(exam::ErrorCode code) {
  switch (code) {
    case exam::ErrorCode::kNotFound:
    case exam::ErrorCode::kForbidden:
    case exam::ErrorCode::kUnauthenticated:
      return kExitNotFound;
    case exam::ErrorCode::kUnavailable:
      return kExitUnavailable;
    default:
      return kExitFailure;
  }
}

int ReportError(const exam::Error& error) {
  std::fprintf(stderr, "examctl: %s\n", error.message.c_str());
  return ExitCodeFor(error.code);
}

int ReportUsageError(const exam::Error& error) {
  std::fprintf(stderr, "examctl: %s\n", error.message.c_str());
  return kExitUsage;
}

}  // namespace examctl
