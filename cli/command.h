// The interface between examctl's main and its command groups. Each group adds
// its subcommands to the CLI11 app and registers one action per leaf command.
// main parses argv, then runs the action of the command that was given.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace examctl {

// Process exit codes, documented in `examctl --help` and docs/cli.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // the command ran and failed (bad input, server error)
  kExitUsage = 2,        // wrong arguments or options
  kExitNotFound = 3,     // the exam, session or user does not exist or is not visible
  kExitUnavailable = 4,  // the server or database could not be reached
};

// Options shared by every command, filled by CLI11 before an action runs.
struct GlobalOptions {
  std::string server;        // examd base URL, from --server or EXAM_SERVER
  std::string token;         // API token, from --token or EXAM_TOKEN
  std::string database_url;  // admin commands only, from --database-url or EXAM_ADMIN_DATABASE_URL
};

// Where `examctl login` saves the server and token:
// $XDG_CONFIG_HOME/examctl/credentials.json, else ~/.config/examctl/credentials.json.
std::filesystem::path CredentialsPath();

// Fills a missing server or token from the saved login. Flags and environment
// variables take precedence; the saved token is used only with its own server.
void LoadSavedLogin(GlobalOptions& options);

// The action of one leaf command; returns the process exit code.
using CommandAction = std::function<int()>;

struct CommandRegistry {
  std::vector<std::pair<CLI::App*, CommandAction>> actions;

  void Add(CLI::App* command, CommandAction action) {
    actions.emplace_back(command, std::move(action));
  }
};

void AddAdminCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry);
void AddExamCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry);
void AddRosterCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry);
void AddSessionCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry);
void AddEventCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry);
void AddEvidenceCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry);
void AddTokenCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry);
void AddSimilarityCommand(CLI::App& app, GlobalOptions& options, CommandRegistry& registry);

}  // namespace examctl
