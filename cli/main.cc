// examctl: the command-line tool for operators, instructors and TAs. main
// builds the command tree, parses argv and runs the chosen command's action;
// each command group lives in its own file.
#include <cstdio>

#include "command.h"
#include "exam/crypto.h"

int main(int argc, char** argv) {
  using namespace examctl;

  CLI::App app{"examctl: set up exams, pull their events, and compare submissions"};
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 1 failure, 2 wrong usage, 3 not found or not allowed, "
      "4 server or database unreachable.\n"
      "Commands other than `admin` and `similarity` talk to examd: set EXAM_SERVER and "
      "EXAM_TOKEN, or pass --server and --token.");

  GlobalOptions options;
  // --server and --token may also follow the subcommand, as in `examctl login
  // --server URL`; subcommands inherit this setting when they are created.
  app.fallthrough();
  app.add_option("--server", options.server, "examd base URL, such as http://127.0.0.1:8080")
      ->envname("EXAM_SERVER");
  app.add_option("--token", options.token, "API token (ect_...)")->envname("EXAM_TOKEN");

  CommandRegistry registry;
  AddAdminCommands(app, options, registry);
  AddExamCommands(app, options, registry);
  AddRosterCommands(app, options, registry);
  AddSessionCommands(app, options, registry);
  AddEventCommands(app, options, registry);
  AddEvidenceCommands(app, options, registry);
  AddTokenCommands(app, options, registry);
  AddSimilarityCommand(app, options, registry);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::RequiredError& error) {
    // CLI11 reports a mistyped command only as a missing subcommand, so name
    // the word it did not know.
    std::string path = "examctl";
    CLI::App* deepest = &app;
    while (!deepest->get_subcommands().empty()) {
      deepest = deepest->get_subcommands().front();
      path += " " + deepest->get_name();
    }
    const std::vector<std::string> unknown = app.remaining(/*recurse=*/true);
    if (!unknown.empty() && deepest->get_require_subcommand_min() > 0) {
      std::fprintf(stderr,
                   "examctl: unknown command \"%s\"; run `%s --help` to list the commands\n",
                   unknown.front().c_str(), path.c_str());
      return kExitUsage;
    }
    if (deepest->get_require_subcommand_min() > 0) {
      std::fprintf(stderr, "examctl: %s needs a command; run `%s --help` to list them\n",
                   path.c_str(), path.c_str());
      return kExitUsage;
    }
    app.exit(error);
    return kExitUsage;
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return kExitUsage;
  }

  if (!exam::InitCrypto()) {
    std::fprintf(stderr, "examctl: libsodium could not be initialised\n");
    return kExitFailure;
  }
  LoadSavedLogin(options);
  for (const auto& [command, action] : registry.actions) {
    if (command->parsed()) {
      return action();
    }
  }
  std::fprintf(stderr, "examctl: no command given; run examctl --help\n");
  return kExitUsage;
}
