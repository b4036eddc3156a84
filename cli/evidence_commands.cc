// examctl verify and examctl server-key: check an events export against the
// server's Ed25519 public key, offline once the key is known.
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "api_client.h"
#include "command.h"
#include "exam/evidence.h"

namespace examctl {
namespace {

using nlohmann::json;

exam::Result<std::string> FetchServerKey(const ApiClient& client) {
  auto key = client.Get("/api/server-key");
  if (!key) {
    return key.error();
  }
  return key->value("public_key", std::string());
}

int PrintServerKey(const GlobalOptions& options) {
  auto client = ApiClient::FromOptions(options, /*require_token=*/false);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto key = FetchServerKey(*client);
  if (!key) {
    return ReportError(key.error());
  }
  std::printf("%s\n", key->c_str());
  return kExitOk;
}

struct VerifyArguments {
  std::string file;
  std::string public_key;
};

int Verify(const GlobalOptions& options, const VerifyArguments& arguments) {
  std::ifstream stream(arguments.file, std::ios::binary);
  if (!stream) {
    return ReportError(exam::InvalidArgument(fmt::format("cannot read {}", arguments.file)));
  }
  std::ostringstream buffer;
  buffer << stream.rdbuf();
  json exported;
  try {
    exported = json::parse(buffer.str());
  } catch (const json::parse_error& error) {
    return ReportError(exam::InvalidArgument(
        fmt::format("{} is not JSON (byte {}); verify reads the output of `examctl events pull "
                    "EXAM --format json`",
                    arguments.file, error.byte)));
  }

  std::string public_key = arguments.public_key;
  if (public_key.empty()) {
    auto client = ApiClient::FromOptions(options, /*require_token=*/false);
    if (!client) {
      return ReportUsageError(exam::Error{
          client.error().code,
          client.error().message + "; or pass --public-key (printed by `examctl server-key`)"});
    }
    auto fetched = FetchServerKey(*client);
    if (!fetched) {
      return ReportError(exam::Error{
          fetched.error().code,
          fetched.error().message + "; or pass --public-key (printed by `examctl server-key`)"});
    }
    public_key = *fetched;
  }

  auto report = exam::VerifyExport(exported, public_key);
  if (!report) {
    return ReportError(report.error());
  }
  for (const std::string& problem : report->problems) {
    std::fprintf(stderr, "examctl: %s\n", problem.c_str());
  }
  if (!report->problems.empty()) {
    std::printf("NOT VERIFIED: %zu %s in %s\n", report->problems.size(),
                report->problems.size() == 1 ? "problem" : "problems", arguments.file.c_str());
    return kExitFailure;
  }
  std::printf("verified: %lld %s in %d exam %s match their signed hash chains\n",
              static_cast<long long>(report->events), report->events == 1 ? "event" : "events",
              report->sessions, report->sessions == 1 ? "session" : "sessions");
  return kExitOk;
}

}  // namespace

void AddEvidenceCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry) {
  CLI::App* server_key = app.add_subcommand(
      "server-key", "Print the server's Ed25519 public key, which signs evidence");
  registry.Add(server_key, [&options] { return PrintServerKey(options); });

  auto arguments = std::make_shared<VerifyArguments>();
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Check that an events export (examctl events pull --format json) was not changed: "
      "recompute each exam session's hash chain and check its signed head");
  verify->add_option("FILE", arguments->file, "The export to check")->required();
  verify->add_option("--public-key", arguments->public_key,
                     "The server's public key (base64); default: ask the server");
  registry.Add(verify, [&options, arguments] { return Verify(options, *arguments); });
}

}  // namespace examctl
