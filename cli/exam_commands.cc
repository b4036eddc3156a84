// examctl exam: create an exam from a folder, list exams, publish one.
#include <fmt/format.h>

#include "api_client.h"
#include "command.h"
#include "exam/exam_spec.h"
#include "output.h"

namespace examctl {
namespace {

using nlohmann::json;

struct CreateArguments {
  std::string folder;
  std::string slug;
  std::string format = "text";
};

int Create(const GlobalOptions& options, const CreateArguments& arguments) {
  auto spec = exam::ReadExamFolder(arguments.folder);
  if (!spec) {
    return ReportError(spec.error());
  }
  if (!arguments.slug.empty()) {
    spec->slug = arguments.slug;
    if (exam::Status valid = exam::ValidateExamSpec(*spec); !valid) {
      return ReportError(valid.error());
    }
  }
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto created = client->Post("/api/exams", exam::ExamSpecToJson(*spec));
  if (!created) {
    return ReportError(created.error());
  }
  if (arguments.format == "json") {
    std::printf("%s\n", created->dump(2).c_str());
  } else {
    std::fprintf(stderr, "created draft exam \"%s\" (%s) with %d questions\n",
                 (*created)["title"].get<std::string>().c_str(),
                 (*created)["slug"].get<std::string>().c_str(),
                 (*created)["question_count"].get<int>());
    std::printf("%lld\n", static_cast<long long>((*created)["id"].get<std::int64_t>()));
  }
  return kExitOk;
}

int List(const GlobalOptions& options, const std::string& format) {
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto exams = client->Get("/api/exams");
  if (!exams) {
    return ReportError(exams.error());
  }
  if (format == "json") {
    std::printf("%s\n", exams->dump(2).c_str());
    return kExitOk;
  }
  const std::vector<std::string> header = {"id", "slug", "state", "questions", "roster",
                                           "duration_minutes", "title"};
  std::vector<std::vector<std::string>> rows;
  for (const json& exam : *exams) {
    rows.push_back({Cell(exam["id"]), Cell(exam["slug"]), Cell(exam["state"]),
                    Cell(exam["question_count"]), Cell(exam["roster_count"]),
                    Cell(exam["duration_minutes"]), Cell(exam["title"])});
  }
  format == "csv" ? PrintCsv(stdout, header, rows) : PrintTable(stdout, header, rows);
  return kExitOk;
}

int Publish(const GlobalOptions& options, const std::string& exam_ref) {
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto exam = client->Post("/api/exams/" + UrlEncode(exam_ref) + "/publish", json::object());
  if (!exam) {
    return ReportError(exam.error());
  }
  std::printf("exam %s (%s) is %s\n", Cell((*exam)["id"]).c_str(),
              Cell((*exam)["slug"]).c_str(), Cell((*exam)["state"]).c_str());
  return kExitOk;
}

struct StaffArguments {
  std::string exam;
  std::string email;
  std::string role = "ta";
};

int AddStaff(const GlobalOptions& options, const StaffArguments& arguments) {
  auto client = ApiClient::FromOptions(options);
  if (!client) {
    return ReportUsageError(client.error());
  }
  auto assigned = client->Post("/api/exams/" + UrlEncode(arguments.exam) + "/staff",
                               {{"email", arguments.email}, {"role", arguments.role}});
  if (!assigned) {
    return ReportError(assigned.error());
  }
  std::printf("%s is now %s on exam %s\n", arguments.email.c_str(), arguments.role.c_str(),
              arguments.exam.c_str());
  return kExitOk;
}

}  // namespace

void AddExamCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry) {
  CLI::App* exam = app.add_subcommand("exam", "Create, list and publish exams");
  exam->require_subcommand(1);

  auto create_arguments = std::make_shared<CreateArguments>();
  CLI::App* create = exam->add_subcommand(
      "create", "Create a draft exam from an exam folder (docs/exam-format.md) and print its id");
  create->add_option("DIR", create_arguments->folder, "The exam folder, with exam.json")
      ->required();
  create->add_option("--slug", create_arguments->slug, "Use this slug instead of exam.json's");
  create->add_option("--format", create_arguments->format, "Output: text (the id) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  registry.Add(create, [&options, create_arguments] { return Create(options, *create_arguments); });

  auto list_format = std::make_shared<std::string>("table");
  CLI::App* list = exam->add_subcommand("list", "List the organization's exams");
  list->add_option("--format", *list_format, "Output: table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  registry.Add(list, [&options, list_format] { return List(options, *list_format); });

  CLI::App* staff = exam->add_subcommand("staff", "Assign staff to an exam");
  staff->require_subcommand(1);
  auto staff_arguments = std::make_shared<StaffArguments>();
  CLI::App* staff_add = staff->add_subcommand(
      "add", "Let a staff member of the organization see an exam, as its instructor or TA");
  staff_add->add_option("EXAM", staff_arguments->exam, "Exam id or slug")->required();
  staff_add->add_option("--email", staff_arguments->email, "The staff member's email")->required();
  staff_add->add_option("--role", staff_arguments->role, "instructor or ta")
      ->check(CLI::IsMember({"instructor", "ta"}))
      ->capture_default_str();
  registry.Add(staff_add, [&options, staff_arguments] { return AddStaff(options, *staff_arguments); });

  auto publish_ref = std::make_shared<std::string>();
  CLI::App* publish = exam->add_subcommand(
      "publish", "Publish a draft exam so that students can start it with their invites");
  publish->add_option("EXAM", *publish_ref, "Exam id or slug")->required();
  registry.Add(publish, [&options, publish_ref] { return Publish(options, *publish_ref); });
}

}  // namespace examctl
