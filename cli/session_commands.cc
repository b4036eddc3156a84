// examctl sessions: the exam sessions of an exam, one row per roster entry.
#include <fmt/format.h>

#include "api_client.h"
#include "command.h"
#include "output.h"

namespace examctl {
namespace {

using nlohmann::json;

struct ListArguments {
  std::string exam;
  std::string format = "table";
};

int List(const GlobalOptions& options, const ListArguments& arguments) {
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto sessions = client->Get("/api/exams/" + UrlEncode(arguments.exam) + "/sessions");
  if (!sessions) {
    return ReportError(sessions.error());
  }
  if (arguments.format == "json") {
    std::printf("%s\n", sessions->dump(2).c_str());
    return kExitOk;
  }
  const std::vector<std::string> header = {"student_id", "name",     "state",     "session_id",
                                           "started_at", "deadline", "submitted_at", "events",
                                           "last_event_at"};
  std::vector<std::vector<std::string>> rows;
  for (const json& session : *sessions) {
    rows.push_back({Cell(session["student_id"]), Cell(session["name"]), Cell(session["state"]),
                    Cell(session["session_id"]), Cell(session["started_at"]),
                    Cell(session["deadline"]), Cell(session["submitted_at"]),
                    Cell(session["acked_seq"]), Cell(session["last_event_at"])});
  }
  arguments.format == "csv" ? PrintCsv(stdout, header, rows) : PrintTable(stdout, header, rows);
  return kExitOk;
}

}  // namespace

void AddSessionCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry) {
  CLI::App* sessions = app.add_subcommand("sessions", "Inspect exam sessions");
  sessions->require_subcommand(1);
  auto arguments = std::make_shared<ListArguments>();
  CLI::App* list = sessions->add_subcommand(
      "list", "List every student on an exam's roster with their exam session's progress");
  list->add_option("EXAM", arguments->exam, "Exam id or slug")->required();
  list->add_option("--format", arguments->format, "Output: table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  registry.Add(list, [&options, arguments] { return List(options, *arguments); });
}

}  // namespace examctl
