// examctl events: pull an exam's recorded events, page by page, into JSON
// Lines, JSON or CSV.
#include <fmt/format.h>

#include "api_client.h"
#include "exam/csv.h"
#include "command.h"
#include "output.h"

namespace examctl {
namespace {

using nlohmann::json;

struct PullArguments {
  std::string exam;
  std::int64_t session = 0;
  std::int64_t after = 0;
  std::string format = "jsonl";
  std::string output;
  int page_size = 5000;
};

// Fields that every event has; CSV puts the rest of an event in "data".
const std::vector<std::string> kCsvColumns = {"session_id", "student_id", "seq", "type", "t",
                                              "received_at", "question", "data"};

std::vector<std::string> CsvRow(const json& event) {
  json data = event;
  std::vector<std::string> row;
  for (std::size_t i = 0; i + 1 < kCsvColumns.size(); ++i) {
    row.push_back(Cell(event.value(kCsvColumns[i], json())));
    data.erase(kCsvColumns[i]);
  }
  row.push_back(data.dump());
  return row;
}

int Pull(const GlobalOptions& options, const PullArguments& arguments) {
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto out = OpenOutput(arguments.output);
  if (!out) {
    return ReportError(out.error());
  }
  std::FILE* file = *out;

  std::string cursor;
  std::size_t total = 0;
  bool first = true;
  json chain_heads = json::array();
  if (arguments.format == "json") {
    std::fputs("{\"events\": [", file);
  } else if (arguments.format == "csv") {
    PrintCsv(file, kCsvColumns, {});
  }
  int exit_code = kExitOk;
  while (true) {
    std::string path = fmt::format("/api/exams/{}/events?limit={}&after={}",
                                   UrlEncode(arguments.exam), arguments.page_size, arguments.after);
    if (arguments.session > 0) {
      path += fmt::format("&session={}", arguments.session);
    }
    if (!cursor.empty()) {
      path += "&cursor=" + UrlEncode(cursor);
    }
    auto page = client->Get(path);
    if (!page) {
      exit_code = ReportError(page.error());
      break;
    }
    for (const json& event : (*page)["events"]) {
      const std::string text = event.dump(-1, ' ', false, json::error_handler_t::replace);
      if (arguments.format == "jsonl") {
        std::fprintf(file, "%s\n", text.c_str());
      } else if (arguments.format == "json") {
        std::fprintf(file, "%s\n  %s", first ? "" : ",", text.c_str());
      } else {
        std::vector<std::string> fields;
        for (const std::string& cell : CsvRow(event)) {
          fields.push_back(exam::CsvField(cell));
        }
        const std::string line = exam::CsvLine(fields);
        std::fwrite(line.data(), 1, line.size(), file);
      }
      first = false;
      ++total;
    }
    if ((*page)["next_cursor"].is_null()) {
      chain_heads = page->value("chain_heads", json::array());
      break;
    }
    cursor = (*page)["next_cursor"].get<std::string>();
  }
  if (arguments.format == "json") {
    std::fprintf(file, "%s],\n\"chain_heads\": %s}\n", first ? "" : "\n",
                 chain_heads.dump(2).c_str());
  }
  if (file != stdout) {
    std::fclose(file);
  }
  if (exit_code == kExitOk) {
    std::fprintf(stderr, "%zu events\n", total);
  }
  return exit_code;
}

}  // namespace

void AddEventCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry) {
  CLI::App* events = app.add_subcommand("events", "Read recorded events");
  events->require_subcommand(1);
  auto arguments = std::make_shared<PullArguments>();
  CLI::App* pull = events->add_subcommand(
      "pull", "Write an exam's events in (session, seq) order, every page of them");
  pull->add_option("EXAM", arguments->exam, "Exam id or slug")->required();
  pull->add_option("--session", arguments->session, "Only this exam session id")
      ->check(CLI::PositiveNumber);
  pull->add_option("--after", arguments->after, "Only events with seq greater than this")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{9007199254740991}));
  pull->add_option("--format", arguments->format,
                   "Output: jsonl (one event per line), json (the events with each exam "
                   "session's signed chain head, which `examctl verify` checks) or csv")
      ->check(CLI::IsMember({"jsonl", "json", "csv"}))
      ->capture_default_str();
  pull->add_option("-o,--output", arguments->output, "Write to this file instead of stdout");
  pull->add_option("--page-size", arguments->page_size, "Events per request, 1 to 10000")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  registry.Add(pull, [&options, arguments] { return Pull(options, *arguments); });
}

}  // namespace examctl
