// A stand-alone `examctl` that knows only the similarity command, so the
// command's tests and the benchmarks run without the rest of the CLI.
// Usage is the same as examctl's: similarity_driver similarity PATH... [options]
#include <CLI/CLI.hpp>

#include "command.h"

int main(int argc, char** argv) {
  CLI::App app("examctl (similarity only)");
  app.require_subcommand(1);
  examctl::GlobalOptions options;
  examctl::CommandRegistry registry;
  examctl::AddSimilarityCommand(app, options, registry);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? examctl::kExitOk : examctl::kExitUsage;
  }
  for (auto& [command, action] : registry.actions) {
    if (command->parsed()) {
      return action();
    }
  }
  return examctl::kExitUsage;
}
