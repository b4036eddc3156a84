// examctl token, login, logout and audit: API tokens for staff, a saved
// login for this computer, and the organization's audit log.
#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api_client.h"
#include "command.h"
#include "output.h"

namespace examctl {
namespace {

using nlohmann::json;

struct TokenCreateArguments {
  std::string name;
  std::string role;
  int expires_in_days = 90;
};

int CreateToken(const GlobalOptions& options, const TokenCreateArguments& arguments) {
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  json body = {{"name", arguments.name}, {"expires_in_days", arguments.expires_in_days}};
  if (!arguments.role.empty()) {
    body["role"] = arguments.role;
  }
  auto token = client->Post("/api/tokens", body);
  if (!token) {
    return ReportError(token.error());
  }
  std::fprintf(stderr, "API token %s with role %s, expires %s; it is shown only once:\n",
               Cell((*token)["id"]).c_str(), Cell((*token)["role"]).c_str(),
               Cell((*token)["expires_at"]).c_str());
  std::printf("%s\n", Cell((*token)["token"]).c_str());
  return kExitOk;
}

int ListTokens(const GlobalOptions& options, const std::string& format) {
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto tokens = client->Get("/api/tokens");
  if (!tokens) {
    return ReportError(tokens.error());
  }
  if (format == "json") {
    std::printf("%s\n", tokens->dump(2).c_str());
    return kExitOk;
  }
  const std::vector<std::string> header = {"id",         "email",      "name",       "role",
                                           "created_at", "expires_at", "revoked_at", "current"};
  std::vector<std::vector<std::string>> rows;
  for (const json& token : *tokens) {
    rows.push_back({Cell(token["id"]), Cell(token["email"]), Cell(token["name"]),
                    Cell(token["role"]), Cell(token["created_at"]), Cell(token["expires_at"]),
                    Cell(token["revoked_at"]), token["current"].get<bool>() ? "yes" : ""});
  }
  format == "csv" ? PrintCsv(stdout, header, rows) : PrintTable(stdout, header, rows);
  return kExitOk;
}

int RevokeToken(const GlobalOptions& options, std::int64_t token_id) {
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto revoked = client->Post(fmt::format("/api/tokens/{}/revoke", token_id), json::object());
  if (!revoked) {
    return ReportError(revoked.error());
  }
  std::printf("revoked API token %lld\n", static_cast<long long>(token_id));
  return kExitOk;
}

int Login(GlobalOptions options) {
  std::fprintf(stderr, "paste the API token (ect_...) and press Enter:\n");
  std::string token;
  std::getline(std::cin, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  options.token = token;
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto tokens = client->Get("/api/tokens");
  if (!tokens) {
    return ReportError(tokens.error());
  }

  const std::filesystem::path path = CredentialsPath();
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  const mode_t previous = umask(077);
  std::ofstream stream(path, std::ios::trunc);
  stream << json({{"server", options.server}, {"token", token}}).dump(2) << "\n";
  stream.close();
  umask(previous);
  chmod(path.c_str(), 0600);
  if (!stream) {
    return ReportError(exam::InvalidArgument(fmt::format("cannot write {}", path.string())));
  }
  std::printf("saved the token for %s in %s (readable only by you)\n", options.server.c_str(),
              path.string().c_str());
  return kExitOk;
}

int Logout() {
  const std::filesystem::path path = CredentialsPath();
  std::error_code error;
  if (std::filesystem::remove(path, error)) {
    std::printf("removed %s; the token itself stays valid until revoked (examctl token revoke)\n",
                path.string().c_str());
  } else {
    std::printf("no saved login at %s\n", path.string().c_str());
  }
  return kExitOk;
}

struct AuditArguments {
  int limit = 100;
  std::int64_t before = 0;
  std::string format = "table";
};

int ListAudit(const GlobalOptions& options, const AuditArguments& arguments) {
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto entries =
      client->Get(fmt::format("/api/audit?limit={}&before={}", arguments.limit, arguments.before));
  if (!entries) {
    return ReportError(entries.error());
  }
  if (arguments.format == "json") {
    std::printf("%s\n", entries->dump(2).c_str());
    return kExitOk;
  }
  const std::vector<std::string> header = {"id",          "at",        "actor_kind", "actor_id",
                                           "action",      "object_kind", "object_id", "detail"};
  std::vector<std::vector<std::string>> rows;
  for (const json& entry : *entries) {
    rows.push_back({Cell(entry["id"]), Cell(entry["at"]), Cell(entry["actor_kind"]),
                    Cell(entry["actor_id"]), Cell(entry["action"]), Cell(entry["object_kind"]),
                    Cell(entry["object_id"]), entry["detail"].dump()});
  }
  arguments.format == "csv" ? PrintCsv(stdout, header, rows) : PrintTable(stdout, header, rows);
  return kExitOk;
}

}  // namespace

std::filesystem::path CredentialsPath() {
  const char* config_home = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  std::filesystem::path base = config_home && *config_home
                                   ? std::filesystem::path(config_home)
                                   : std::filesystem::path(home ? home : ".") / ".config";
  return base / "examctl" / "credentials.json";
}

void LoadSavedLogin(GlobalOptions& options) {
  if (!options.server.empty() && !options.token.empty()) {
    return;
  }
  std::ifstream stream(CredentialsPath());
  if (!stream) {
    return;
  }
  try {
    const json saved = json::parse(stream);
    if (options.server.empty()) {
      options.server = saved.value("server", std::string());
    }
    if (options.token.empty() && saved.value("server", std::string()) == options.server) {
      options.token = saved.value("token", std::string());
    }
  } catch (const json::exception&) {
    std::fprintf(stderr, "examctl: ignoring %s, which is not valid JSON; run examctl login again\n",
                 CredentialsPath().string().c_str());
  }
}

void AddTokenCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry) {
  CLI::App* token = app.add_subcommand("token", "Create, list and revoke your API tokens");
  token->require_subcommand(1);

  auto create_arguments = std::make_shared<TokenCreateArguments>();
  CLI::App* create = token->add_subcommand(
      "create", "Create an API token for yourself, with at most your own role; printed once");
  create->add_option("--name", create_arguments->name, "A label, such as the laptop's name");
  create->add_option("--role", create_arguments->role,
                     "instructor, ta or admin; at most your own (default: your role)")
      ->check(CLI::IsMember({"instructor", "ta", "admin"}));
  create->add_option("--expires-in", create_arguments->expires_in_days, "Days until it expires, 1 to 366")
      ->capture_default_str();
  registry.Add(create, [&options, create_arguments] { return CreateToken(options, *create_arguments); });

  auto list_format = std::make_shared<std::string>("table");
  CLI::App* list = token->add_subcommand("list", "List your tokens (an org admin sees all)");
  list->add_option("--format", *list_format, "Output: table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  registry.Add(list, [&options, list_format] { return ListTokens(options, *list_format); });

  auto revoke_id = std::make_shared<std::int64_t>(0);
  CLI::App* revoke = token->add_subcommand("revoke", "Revoke a token by its id");
  revoke->add_option("ID", *revoke_id, "Token id from examctl token list")
      ->required()
      ->check(CLI::PositiveNumber);
  registry.Add(revoke, [&options, revoke_id] { return RevokeToken(options, *revoke_id); });

  CLI::App* login = app.add_subcommand(
      "login",
      "Save a server URL (--server) and an API token (read from stdin) for later commands, in "
      "a file readable only by you");
  registry.Add(login, [&options] { return Login(options); });
  CLI::App* logout = app.add_subcommand("logout", "Remove the saved login");
  registry.Add(logout, [] { return Logout(); });

  CLI::App* audit = app.add_subcommand("audit", "Read the organization's audit log");
  audit->require_subcommand(1);
  auto audit_arguments = std::make_shared<AuditArguments>();
  CLI::App* audit_list = audit->add_subcommand("list", "List audit entries, newest first (org admins)");
  audit_list->add_option("--limit", audit_arguments->limit, "Entries to show, 1 to 1000")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  audit_list->add_option("--before", audit_arguments->before, "Only entries with an id below this");
  audit_list->add_option("--format", audit_arguments->format, "Output: table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  registry.Add(audit_list, [&options, audit_arguments] { return ListAudit(options, *audit_arguments); });
}

}  // namespace examctl
