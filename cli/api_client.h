// examctl's HTTP client of examd: bearer token, JSON in and out, and server
// errors turned back into exam::Error values. One client per command run.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"
#include "exam/error.h"

namespace examctl {

class ApiClient {
 public:
  // Checks that a server URL and a token were given, naming the option and
  // environment variable to set when one is missing.
  static exam::Result<ApiClient> FromOptions(const GlobalOptions& options,
                                             bool require_token = true);

  exam::Result<nlohmann::json> Get(const std::string& path) const;
  exam::Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) const;

 private:
  ApiClient(std::string server, std::string token);
  exam::Result<nlohmann::json> Decode(const char* method, const std::string& path, int status,
                                      const std::string& body) const;

  std::string server_;
  std::string token_;
};

// Percent-encodes a path segment or query value.
std::string UrlEncode(const std::string& text);

// Maps an error code to examctl's exit code.
int ExitCodeFor(exam::ErrorCode code);

// Prints "examctl: MESSAGE" to stderr and returns the exit code for the error.
int ReportError(const exam::Error& error);

// Prints "examctl: MESSAGE" to stderr and returns kExitUsage. For the errors
// of ApiClient::FromOptions: a missing or malformed --server or --token.
int ReportUsageError(const exam::Error& error);

}  // namespace examctl
