// examctl admin: operator commands that talk to PostgreSQL directly as the
// owner role: migrations, organizations, staff users, API tokens and the
// operator's own credentials for examd.
#include <fmt/format.h>

#include <iostream>

#include "api_client.h"
#include "command.h"
#include "exam/admin.h"
#include "exam/crypto.h"
#include "exam/database.h"
#include "exam/migrations.h"
#include "exam/operator.h"
#include "exam/plan.h"
#include "exam/time.h"
#include "output.h"

namespace examctl {
namespace {

exam::Result<std::unique_ptr<exam::Database>> OpenOwnerDatabase(const GlobalOptions& options) {
  if (options.database_url.empty()) {
    return exam::InvalidArgument(
        "no database given; pass --database-url or set EXAM_ADMIN_DATABASE_URL to the owner "
        "role's URL (scripts/local-pg env prints it)");
  }
  exam::DatabaseOptions database_options;
  database_options.url = options.database_url;
  database_options.pool_size = 1;
  return exam::Database::Open(database_options, exam::NullLogSink());
}

int Migrate(const GlobalOptions& options) {
  auto database = OpenOwnerDatabase(options);
  if (!database) {
    return ReportError(database.error());
  }
  auto report = exam::ApplyMigrations(**database);
  if (!report) {
    return ReportError(report.error());
  }
  for (const std::string& name : report->applied) {
    std::printf("applied %s\n", name.c_str());
  }
  std::printf("schema is up to date (%zu migrations, %zu applied now)\n",
              report->applied.size() + report->already.size(), report->applied.size());
  return kExitOk;
}

struct OrgArguments {
  std::string slug;
  std::string name;
  bool exists_ok = false;
};

int CreateOrg(const GlobalOptions& options, const OrgArguments& arguments) {
  auto database = OpenOwnerDatabase(options);
  if (!database) {
    return ReportError(database.error());
  }
  auto organization =
      exam::CreateOrganization(**database, arguments.slug, arguments.name, arguments.exists_ok);
  if (!organization) {
    return ReportError(organization.error());
  }
  std::printf("%s organization %s (id %lld)\n", organization->created ? "created" : "found",
              organization->slug.c_str(), static_cast<long long>(organization->id));
  return kExitOk;
}

struct PlanArguments {
  std::string org;
  std::optional<int> seats;
  std::optional<int> exams;
};

int SetOrgPlan(const GlobalOptions& options, const PlanArguments& arguments) {
  auto database = OpenOwnerDatabase(options);
  if (!database) {
    return ReportError(database.error());
  }
  auto plan = exam::SetPlan(**database, arguments.org, arguments.seats, arguments.exams);
  if (!plan) {
    return ReportError(plan.error());
  }
  std::printf("organization %s: %d seats, %d exams\n", arguments.org.c_str(),
              (*plan)["seat_limit"].get<int>(), (*plan)["exam_limit"].get<int>());
  return kExitOk;
}

struct UserArguments {
  std::string org;
  std::string email;
  std::string role;
  std::string name;
  bool password_stdin = false;
  bool generate_password = false;
  bool exists_ok = false;
};

int CreateUser(const GlobalOptions& options, const UserArguments& arguments) {
  const std::optional<exam::StaffRole> role = exam::StaffRoleFromName(arguments.role);
  if (!role) {
    return ReportError(exam::InvalidArgument(
        fmt::format("--role must be instructor, ta or admin, got \"{}\"", arguments.role)));
  }
  std::optional<std::string> password;
  if (arguments.password_stdin) {
    std::string line;
    std::getline(std::cin, line);
    password = line;
  } else if (arguments.generate_password) {
    // 24 characters of base64url: about 144 bits.
    password = exam::NewSecret("").substr(0, 24);
  }

  auto database = OpenOwnerDatabase(options);
  if (!database) {
    return ReportError(database.error());
  }
  auto user = exam::CreateStaffUser(**database, arguments.org, arguments.email, *role,
                                    arguments.name, password, arguments.exists_ok);
  if (!user) {
    return ReportError(user.error());
  }
  std::printf("%s %s %s in %s (id %lld)\n", user->created ? "created" : "found",
              exam::StaffRoleName(user->role), user->email.c_str(), arguments.org.c_str(),
              static_cast<long long>(user->id));
  if (user->created && arguments.generate_password) {
    std::printf("password: %s\n", password->c_str());
  }
  return kExitOk;
}

struct TokenArguments {
  std::string org;
  std::string email;
  int expires_in_days = 90;
  std::string name;
};

int CreateToken(const GlobalOptions& options, const TokenArguments& arguments) {
  auto database = OpenOwnerDatabase(options);
  if (!database) {
    return ReportError(database.error());
  }
  auto token = exam::CreateApiToken(**database, arguments.org, arguments.email,
                                    arguments.expires_in_days, arguments.name, exam::SystemClock());
  if (!token) {
    return ReportError(token.error());
  }
  std::fprintf(stderr, "API token %lld for %s, expires %s; it is shown only once:\n",
               static_cast<long long>(token->id), arguments.email.c_str(),
               exam::FormatRfc3339(token->expires_at).c_str());
  std::printf("%s\n", token->secret.c_str());
  return kExitOk;
}

struct OperatorCreateArguments {
  std::string name;
  int expires_in_days = 30;
};

int CreateOperator(const GlobalOptions& options, const OperatorCreateArguments& arguments) {
  auto database = OpenOwnerDatabase(options);
  if (!database) {
    return ReportError(database.error());
  }
  auto credential = exam::CreateOperatorCredential(**database, arguments.name,
                                                   arguments.expires_in_days, exam::SystemClock());
  if (!credential) {
    return ReportError(credential.error());
  }
  std::fprintf(stderr, "operator credential %lld, expires %s; it is shown only once:\n",
               static_cast<long long>(credential->id),
               exam::FormatRfc3339(credential->expires_at).c_str());
  std::printf("%s\n", credential->secret.c_str());
  return kExitOk;
}

int ListOperators(const GlobalOptions& options, const std::string& format) {
  auto database = OpenOwnerDatabase(options);
  if (!database) {
    return ReportError(database.error());
  }
  auto credentials = exam::ListOperatorCredentials(**database);
  if (!credentials) {
    return ReportError(credentials.error());
  }
  if (format == "json") {
    std::printf("%s\n", credentials->dump(2).c_str());
    return kExitOk;
  }
  const std::vector<std::string> header = {"id", "name", "created_at", "expires_at",
                                           "revoked_at"};
  std::vector<std::vector<std::string>> rows;
  for (const nlohmann::json& credential : *credentials) {
    rows.push_back({Cell(credential["id"]), Cell(credential["name"]),
                    Cell(credential["created_at"]), Cell(credential["expires_at"]),
                    Cell(credential["revoked_at"])});
  }
  format == "csv" ? PrintCsv(stdout, header, rows) : PrintTable(stdout, header, rows);
  return kExitOk;
}

int RevokeOperator(const GlobalOptions& options, std::int64_t credential_id) {
  auto database = OpenOwnerDatabase(options);
  if (!database) {
    return ReportError(database.error());
  }
  auto revoked = exam::RevokeOperatorCredential(**database, credential_id, exam::SystemClock());
  if (!revoked) {
    return ReportError(revoked.error());
  }
  std::printf(*revoked ? "revoked operator credential %lld\n"
                       : "operator credential %lld was already revoked; nothing changed\n",
              static_cast<long long>(credential_id));
  return kExitOk;
}

void AddOperatorCommands(CLI::App* admin, GlobalOptions& options, CommandRegistry& registry) {
  CLI::App* operator_group = admin->add_subcommand(
      "operator", "Manage the operator's credentials for examd's /api/operator/ routes");
  operator_group->require_subcommand(1);

  auto create_arguments = std::make_shared<OperatorCreateArguments>();
  CLI::App* create = operator_group->add_subcommand(
      "create", "Create an operator credential and print it once on stdout");
  create->add_option("--name", create_arguments->name, "A label, such as who holds it");
  create
      ->add_option("--expires-in", create_arguments->expires_in_days,
                   "Days until the credential expires, 1 to 366")
      ->capture_default_str();
  registry.Add(create,
               [&options, create_arguments] { return CreateOperator(options, *create_arguments); });

  auto list_format = std::make_shared<std::string>("table");
  CLI::App* list = operator_group->add_subcommand("list", "List the operator credentials");
  list->add_option("--format", *list_format, "Output: table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))
      ->capture_default_str();
  registry.Add(list, [&options, list_format] { return ListOperators(options, *list_format); });

  auto revoke_id = std::make_shared<std::int64_t>(0);
  CLI::App* revoke = operator_group->add_subcommand("revoke", "Revoke an operator credential");
  revoke->add_option("ID", *revoke_id, "The credential's id, as `list` shows it")
      ->required()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{999999999999999999}));
  registry.Add(revoke, [&options, revoke_id] { return RevokeOperator(options, *revoke_id); });
}

}  // namespace

void AddAdminCommands(CLI::App& app, GlobalOptions& options, CommandRegistry& registry) {
  CLI::App* admin = app.add_subcommand(
      "admin", "Operator commands; they connect to PostgreSQL as the owner role");
  admin->require_subcommand(1);
  admin->add_option("--database-url", options.database_url,
                    "PostgreSQL URL of the owner role")
      ->envname("EXAM_ADMIN_DATABASE_URL");

  CLI::App* migrate = admin->add_subcommand("migrate", "Apply the schema migrations not yet applied");
  registry.Add(migrate, [&options] { return Migrate(options); });

  CLI::App* org = admin->add_subcommand("org", "Manage organizations");
  org->require_subcommand(1);
  auto org_arguments = std::make_shared<OrgArguments>();
  CLI::App* org_create = org->add_subcommand("create", "Create an organization (a tenant)");
  org_create->add_option("--slug", org_arguments->slug, "Short name: 3-64 of a-z, 0-9, '-'")
      ->required();
  org_create->add_option("--name", org_arguments->name, "Display name")->required();
  org_create->add_flag("--exists-ok", org_arguments->exists_ok,
                       "Succeed when the organization exists already");
  registry.Add(org_create, [&options, org_arguments] { return CreateOrg(options, *org_arguments); });

  auto plan_arguments = std::make_shared<PlanArguments>();
  CLI::App* set_plan = org->add_subcommand(
      "set-plan", "Set an organization's seat limit (students in an exam at once) and exam limit");
  set_plan->add_option("--org", plan_arguments->org, "Organization slug")->required();
  set_plan->add_option("--seats", plan_arguments->seats,
                       "Students with an open exam session at once, across the organization");
  set_plan->add_option("--exams", plan_arguments->exams, "Exams that are not closed");
  registry.Add(set_plan, [&options, plan_arguments] { return SetOrgPlan(options, *plan_arguments); });

  CLI::App* user = admin->add_subcommand("user", "Manage staff users");
  user->require_subcommand(1);
  auto user_arguments = std::make_shared<UserArguments>();
  CLI::App* user_create = user->add_subcommand("create", "Create a staff user in an organization");
  user_create->add_option("--org", user_arguments->org, "Organization slug")->required();
  user_create->add_option("--email", user_arguments->email, "Sign-in email address")->required();
  user_create->add_option("--role", user_arguments->role, "instructor, ta or admin")->required();
  user_create->add_option("--name", user_arguments->name, "Display name");
  auto* from_stdin = user_create->add_flag("--password-stdin", user_arguments->password_stdin,
                                           "Read the password (12-128 characters) from stdin");
  user_create
      ->add_flag("--generate-password", user_arguments->generate_password,
                 "Generate a password and print it once")
      ->excludes(from_stdin);
  user_create->add_flag("--exists-ok", user_arguments->exists_ok,
                        "Succeed when the user exists already with the same role");
  registry.Add(user_create,
               [&options, user_arguments] { return CreateUser(options, *user_arguments); });

  CLI::App* token = admin->add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  auto token_arguments = std::make_shared<TokenArguments>();
  CLI::App* token_create = token->add_subcommand(
      "create", "Create an API token for a staff user and print it once on stdout");
  token_create->add_option("--org", token_arguments->org, "Organization slug")->required();
  token_create->add_option("--email", token_arguments->email, "The staff user's email")
      ->required();
  token_create
      ->add_option("--expires-in", token_arguments->expires_in_days,
                   "Days until the token expires, 1 to 366")
      ->capture_default_str();
  token_create->add_option("--name", token_arguments->name, "A label, such as the laptop's name");
  registry.Add(token_create,
               [&options, token_arguments] { return CreateToken(options, *token_arguments); });

  AddOperatorCommands(admin, options, registry);
}

}  // namespace examctl
