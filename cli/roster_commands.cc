// examctl roster: import students from CSV and write their invite links.
#include <fmt/format.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "api_client.h"
#include "command.h"
#include "exam/roster.h"
#include "output.h"

namespace examctl {
namespace {

using nlohmann::json;

struct ImportArguments {
  std::string exam;
  std::string file;
  std::string output;
};

int Import(const GlobalOptions& options, const ImportArguments& arguments) {
  std::ifstream stream(arguments.file, std::ios::binary);
  if (!stream) {
    return ReportError(exam::InvalidArgument(
        fmt::format("cannot read {}; give the roster CSV file", arguments.file)));
  }
  std::ostringstream buffer;
  buffer << stream.rdbuf();
  auto rows = exam::ParseRosterCsv(buffer.str());
  if (!rows) {
    return ReportError(
        exam::InvalidArgument(fmt::format("{}: {}", arguments.file, rows.error().message)));
  }

  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  json body = {{"entries", json::array()}};
  for (const exam::RosterRow& row : *rows) {
    body["entries"].push_back({{"student_id", row.student_id},
                               {"name", row.name},
                               {"email", row.email},
                               {"extra_minutes", row.extra_minutes}});
  }
  auto imported = client->Post("/api/exams/" + UrlEncode(arguments.exam) + "/roster", body);
  if (!imported) {
    return ReportError(imported.error());
  }

  const std::vector<std::string> header = {"student_id", "name",   "email",
                                           "extra_minutes", "status", "invite_url"};
  std::vector<std::vector<std::string>> table;
  int created = 0;
  for (const json& entry : (*imported)["entries"]) {
    table.push_back({Cell(entry["student_id"]), Cell(entry["name"]), Cell(entry["email"]),
                     Cell(entry["extra_minutes"]), Cell(entry["status"]),
                     Cell(entry.value("invite_url", json()))});
    created += entry["status"] == "created";
  }

  if (arguments.output.empty()) {
    PrintTable(stdout, header, table);
  } else {
    // Invite links are secrets: the file is readable by its owner only.
    const mode_t previous = umask(077);
    auto file = OpenOutput(arguments.output);
    umask(previous);
    if (!file) {
      return ReportError(file.error());
    }
    PrintCsv(*file, header, table);
    if (*file != stdout) {
      std::fclose(*file);
    }
  }
  std::fprintf(stderr,
               "%zu students: %d new with invites, the rest already on the roster (their "
               "invites were shown when they were added)\n",
               table.size(), created);
  return kExitOk;
}

}  // namespace

void AddRosterCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry) {
  CLI::App* roster = app.add_subcommand("roster", "Manage an exam's roster");
  roster->require_subcommand(1);

  auto arguments = std::make_shared<ImportArguments>();
  CLI::App* import = roster->add_subcommand(
      "import",
      "Add students from a CSV file (columns student_id, name, email, extra_minutes) and "
      "print each new student's invite link");
  import->add_option("EXAM", arguments->exam, "Exam id or slug")->required();
  import->add_option("FILE", arguments->file, "Roster CSV with a header row")->required();
  import->add_option("-o,--output", arguments->output,
                     "Write the roster with invite links to this CSV file (mode 0600) instead "
                     "of printing a table");
  registry.Add(import, [&options, arguments] { return Import(options, *arguments); });
}

}  // namespace examctl
