// HTTP through the real examd binary. The tests check staff sign-in (cookie
// attributes, CSRF and same-origin checks on cookie-authenticated writes,
// sign-out, the failed sign-in limit), security.txt, the start-up guards and
// the 503 of a full event queue.
// Each test starts examd on 127.0.0.1 with port 0 against a scratch database
// and stops it by its process id. The binary is EXAM_EXAMD, or else the one
// built with this test.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "exam/admin.h"
#include "exam/exam_store.h"
#include "exam/roster.h"
#include "exam/session_store.h"
#include "exam/time.h"
#include "pg_fixture.h"

using exam::testing::ScratchDatabase;
using nlohmann::json;

namespace {

constexpr const char* kPassword = "correct horse battery";

std::string ExamdPath() {
  const char* path = std::getenv("EXAM_EXAMD");
  return path && *path ? path : EXAM_EXAMD_PATH;
}

// Replaces the database name at the end of a postgresql:// URL.
std::string WithDatabase(const std::string& url, const std::string& database) {
  const auto slash = url.rfind('/');
  const auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + database +
         (query == std::string::npos ? std::string() : url.substr(query));
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A temporary folder with a minimal web root, removed at the end.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "exam-http-auth-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
    std::filesystem::create_directories(path_ / "web");
    std::ofstream(path_ / "web" / "exam.html") << "<!doctype html><title>exam</title>\n";
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Starts examd with `arguments` and returns its process id. It runs in
// `folder`, so files that examd creates in its working folder (such as a
// default signing key) go there, and its output goes to folder/examd.log.
pid_t SpawnExamd(const TempFolder& folder, const std::vector<std::string>& arguments) {
  std::vector<std::string> argv_strings = {ExamdPath()};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& argument : argv_strings) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);
  const std::string log_path = (folder.path() / "examd.log").string();
  const std::string working_folder = folder.path().string();

  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (log < 0 || chdir(working_folder.c_str()) != 0) {
      _exit(126);
    }
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Runs examd with `arguments` and returns its exit status, for start-up
// checks that must fail before examd listens.
int RunExamdToExit(const TempFolder& folder, const std::vector<std::string>& arguments) {
  const pid_t pid = SpawnExamd(folder, arguments);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// An examd process on 127.0.0.1 with a free port; stopped with SIGTERM and
// reaped when the guard goes out of scope.
class ExamdProcess {
 public:
  ExamdProcess(const TempFolder& folder, const ScratchDatabase& db,
               std::vector<std::string> extra_arguments)
      : folder_(folder) {
    const char* app_url = std::getenv("EXAM_DATABASE_URL");
    REQUIRE(app_url != nullptr);
    const std::filesystem::path port_file = folder.path() / "port";
    std::filesystem::remove(port_file);
    std::vector<std::string> arguments = {
        "--listen", "127.0.0.1:0", "--port-file", port_file.string(), "--database-url",
        WithDatabase(app_url, db.name()), "--web-root", (folder.path() / "web").string(),
        "--threads", "4", "--db-pool", "4"};
    arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());

    pid_ = SpawnExamd(folder, arguments);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = ReadFile(port_file);
      if (!text.empty() && text.back() == '\n') {
        port_ = std::stoi(text);
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("examd exited at start-up: " << ReadFile(folder.path() / "examd.log"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("examd did not write its port within 30 s: " << ReadFile(folder.path() / "examd.log"));
  }

  ~ExamdProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5);
    client.set_read_timeout(30);
    return client;
  }

  std::string Log() const { return ReadFile(folder_.path() / "examd.log"); }

 private:
  const TempFolder& folder_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Signed-in state of one browser: the cookie pair to send back and the CSRF
// token.
struct Browser {
  std::string set_cookie;  // the whole Set-Cookie header of the sign-in response
  std::string cookie;      // "name=value", as a browser sends it
  std::string csrf_token;
  std::int64_t session_id = 0;
};

void CreateStaff(ScratchDatabase& db, const std::string& email) {
  REQUIRE(exam::CreateOrganization(db.owner(), "org-one", "Org one", true).ok());
  auto user = exam::CreateStaffUser(db.owner(), "org-one", email, exam::StaffRole::kInstructor,
                                    "Staff", std::string(kPassword), false);
  REQUIRE(user.ok());
}

httplib::Result PostJson(httplib::Client& client, const std::string& path, const json& body,
                         httplib::Headers headers = {}) {
  return client.Post(path.c_str(), headers, body.dump(), "application/json");
}

Browser SignIn(httplib::Client& client, const std::string& email) {
  auto res = PostJson(client, "/api/auth/login", {{"email", email}, {"password", kPassword}},
                      {{"User-Agent", "http_auth_test"}});
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  Browser browser;
  browser.set_cookie = res->get_header_value("Set-Cookie");
  browser.cookie = browser.set_cookie.substr(0, browser.set_cookie.find(';'));
  const json body = json::parse(res->body);
  browser.csrf_token = body["csrf_token"].get<std::string>();
  browser.session_id = body["login_session"]["id"].get<std::int64_t>();
  return browser;
}

std::string ErrorMessage(const httplib::Result& res) {
  return json::parse(res->body)["error"]["message"].get<std::string>();
}

}  // namespace

TEST_CASE("login cookie has the __Host- attributes") {
  ScratchDatabase db;
  TempFolder folder;
  CreateStaff(db, "ada@example.edu");
  ExamdProcess examd(folder, db, {});
  httplib::Client client = examd.Client();

  const Browser browser = SignIn(client, "ada@example.edu");
  INFO(browser.set_cookie);
  CHECK(browser.cookie.rfind("__Host-exam_session=els_", 0) == 0);
  CHECK(browser.set_cookie.find("; Path=/;") != std::string::npos);
  CHECK(browser.set_cookie.find("; Secure;") != std::string::npos);
  CHECK(browser.set_cookie.find("; HttpOnly;") != std::string::npos);
  CHECK(browser.set_cookie.find("; SameSite=Lax") != std::string::npos);
  CHECK(browser.set_cookie.find("Domain=") == std::string::npos);

  auto me = client.Get("/api/auth/me", {{"Cookie", browser.cookie}});
  REQUIRE(me);
  REQUIRE(me->status == 200);
  const json body = json::parse(me->body);
  CHECK(body["user"]["email"] == "ada@example.edu");
  CHECK(body["user"]["role"] == "instructor");
  CHECK(body["organization"]["slug"] == "org-one");
  CHECK(body["csrf_token"] == browser.csrf_token);
  CHECK(me->get_header_value("Cache-Control") == "no-store");
  CHECK_FALSE(me->has_header("Strict-Transport-Security"));

  auto sessions = client.Get("/api/auth/sessions", {{"Cookie", browser.cookie}});
  REQUIRE(sessions);
  REQUIRE(sessions->status == 200);
  const json list = json::parse(sessions->body)["sessions"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["current"] == true);
  CHECK(list[0]["user_agent"] == "http_auth_test");
}

TEST_CASE("cookie-authenticated writes need CSRF and same origin") {
  ScratchDatabase db;
  TempFolder folder;
  CreateStaff(db, "ada@example.edu");
  ExamdProcess examd(folder, db, {});
  httplib::Client client = examd.Client();
  const Browser browser = SignIn(client, "ada@example.edu");
  const std::string revoke_path = fmt::format("/api/auth/sessions/{}/revoke", browser.session_id);

  auto no_csrf = PostJson(client, "/api/exams", json::object(), {{"Cookie", browser.cookie}});
  REQUIRE(no_csrf);
  CHECK(no_csrf->status == 403);
  CHECK(ErrorMessage(no_csrf).find("X-CSRF-Token") != std::string::npos);

  auto wrong_csrf = PostJson(client, "/api/exams", json::object(),
                             {{"Cookie", browser.cookie}, {"X-CSRF-Token", "not-the-token"}});
  REQUIRE(wrong_csrf);
  CHECK(wrong_csrf->status == 403);

  auto with_csrf = PostJson(client, "/api/exams", json::object(),
                            {{"Cookie", browser.cookie}, {"X-CSRF-Token", browser.csrf_token}});
  REQUIRE(with_csrf);
  CHECK(with_csrf->status == 400);  // past authentication: the empty exam is invalid

  auto cross_site = PostJson(client, "/api/exams", json::object(),
                             {{"Cookie", browser.cookie},
                              {"X-CSRF-Token", browser.csrf_token},
                              {"Sec-Fetch-Site", "cross-site"}});
  REQUIRE(cross_site);
  CHECK(cross_site->status == 403);

  auto foreign_origin = PostJson(client, "/api/exams", json::object(),
                                 {{"Cookie", browser.cookie},
                                  {"X-CSRF-Token", browser.csrf_token},
                                  {"Origin", "https://elsewhere.example.org"}});
  REQUIRE(foreign_origin);
  CHECK(foreign_origin->status == 403);

  auto plain_text = client.Post("/api/auth/logout",
                                {{"Cookie", browser.cookie}, {"X-CSRF-Token", browser.csrf_token}},
                                "{}", "text/plain");
  REQUIRE(plain_text);
  CHECK(plain_text->status == 415);

  auto logout_no_csrf = PostJson(client, "/api/auth/logout", json::object(),
                                 {{"Cookie", browser.cookie}});
  REQUIRE(logout_no_csrf);
  CHECK(logout_no_csrf->status == 403);

  auto logout = PostJson(client, "/api/auth/logout", json::object(),
                         {{"Cookie", browser.cookie}, {"X-CSRF-Token", browser.csrf_token}});
  REQUIRE(logout);
  CHECK(logout->status == 200);
  CHECK(logout->get_header_value("Set-Cookie").find("Max-Age=0") != std::string::npos);

  auto after = client.Get("/api/auth/me", {{"Cookie", browser.cookie}});
  REQUIRE(after);
  CHECK(after->status == 401);
  auto revoke_after = PostJson(client, revoke_path, json::object(),
                               {{"Cookie", browser.cookie}, {"X-CSRF-Token", browser.csrf_token}});
  REQUIRE(revoke_after);
  CHECK(revoke_after->status == 401);
}

TEST_CASE("API token writes need no CSRF token") {
  ScratchDatabase db;
  TempFolder folder;
  CreateStaff(db, "ada@example.edu");
  auto token = exam::CreateApiToken(db.owner(), "org-one", "ada@example.edu", 30, "test",
                                    exam::SystemClock());
  REQUIRE(token.ok());
  ExamdProcess examd(folder, db, {});
  httplib::Client client = examd.Client();

  auto me = client.Get("/api/auth/me", {{"Authorization", "Bearer " + token->secret}});
  REQUIRE(me);
  REQUIRE(me->status == 200);
  CHECK(json::parse(me->body)["csrf_token"].is_null());

  auto write = PostJson(client, "/api/exams", json::object(),
                        {{"Authorization", "Bearer " + token->secret}});
  REQUIRE(write);
  CHECK(write->status == 400);

  auto logout = PostJson(client, "/api/auth/logout", json::object(),
                         {{"Authorization", "Bearer " + token->secret}});
  REQUIRE(logout);
  CHECK(logout->status == 401);
}

TEST_CASE("failed sign-ins are limited per account") {
  ScratchDatabase db;
  TempFolder folder;
  CreateStaff(db, "ada@example.edu");
  CreateStaff(db, "bob@example.edu");
  ExamdProcess examd(folder, db, {"--login-attempts-per-hour", "3"});
  httplib::Client client = examd.Client();

  auto unknown = PostJson(client, "/api/auth/login",
                          {{"email", "nobody@example.edu"}, {"password", kPassword}});
  REQUIRE(unknown);
  CHECK(unknown->status == 401);

  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto wrong = PostJson(client, "/api/auth/login",
                          {{"email", "ada@example.edu"}, {"password", "wrong password"}});
    INFO("attempt " << attempt);
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    CHECK(ErrorMessage(wrong) == ErrorMessage(unknown));
    CHECK_FALSE(wrong->has_header("Set-Cookie"));
  }

  auto locked = PostJson(client, "/api/auth/login",
                         {{"email", "ada@example.edu"}, {"password", kPassword}});
  REQUIRE(locked);
  CHECK(locked->status == 429);
  REQUIRE(locked->has_header("Retry-After"));
  const int retry_after = std::stoi(locked->get_header_value("Retry-After"));
  CHECK(retry_after > 3500);
  CHECK(retry_after <= 3600);
  CHECK_FALSE(locked->has_header("Set-Cookie"));

  SignIn(client, "bob@example.edu");
  CHECK(examd.Log().find("sign-in locked after too many failed attempts") != std::string::npos);
  CHECK(examd.Log().find(kPassword) == std::string::npos);
}

TEST_CASE("security.txt names contact, expiry and policy") {
  ScratchDatabase db;
  TempFolder folder;
  ExamdProcess examd(folder, db, {});
  httplib::Client client = examd.Client();

  auto res = client.Get("/.well-known/security.txt");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/plain; charset=utf-8");
  const std::string& text = res->body;
  INFO(text);
  CHECK(text.find("\nContact: mailto:security@example.org\n") != std::string::npos);
  CHECK(text.find("\nPreferred-Languages: en\n") != std::string::npos);
  CHECK(text.find("/security-policy\n") != std::string::npos);

  const auto expires_at = text.find("Expires: ");
  REQUIRE(expires_at != std::string::npos);
  const std::string expires_text = text.substr(expires_at + 9, text.find('\n', expires_at) - expires_at - 9);
  const auto expires = exam::ParseRfc3339(expires_text);
  REQUIRE(expires.has_value());
  const exam::UnixMillis now = exam::SystemClock().Now();
  CHECK(*expires > now);
  CHECK(*expires <= now + std::int64_t{365} * 86400 * 1000);

  auto policy = client.Get("/security-policy");
  REQUIRE(policy);
  CHECK(policy->status == 200);
  CHECK(policy->body.find("Safe harbour") != std::string::npos);
}

TEST_CASE("deployment options change cookie and HSTS") {
  ScratchDatabase db;
  TempFolder folder;
  CreateStaff(db, "ada@example.edu");

  SECTION("--dev-insecure-cookies drops Secure and the prefix") {
    ExamdProcess examd(folder, db, {"--dev-insecure-cookies", "--security-contact",
                                    "mailto:security@uni.example.edu"});
    httplib::Client client = examd.Client();
    const Browser browser = SignIn(client, "ada@example.edu");
    CHECK(browser.cookie.rfind("exam_session=els_", 0) == 0);
    CHECK(browser.set_cookie.find("Secure") == std::string::npos);
    CHECK(browser.set_cookie.find("HttpOnly") != std::string::npos);
    CHECK(examd.Log().find("--dev-insecure-cookies is on") != std::string::npos);

    auto me = client.Get("/api/auth/me", {{"Cookie", browser.cookie}});
    REQUIRE(me);
    CHECK(me->status == 200);
    auto txt = client.Get("/.well-known/security.txt");
    REQUIRE(txt);
    CHECK(txt->body.find("Contact: mailto:security@uni.example.edu\n") != std::string::npos);
  }

  SECTION("--tls-proxy sends HSTS") {
    ExamdProcess examd(folder, db, {"--tls-proxy"});
    httplib::Client client = examd.Client();
    auto res = client.Get("/healthz");
    REQUIRE(res);
    CHECK(res->get_header_value("Strict-Transport-Security") ==
          "max-age=31536000; includeSubDomains");
  }
}

TEST_CASE("examd rejects unsafe listen and cookie options") {
  TempFolder folder;
  // Each run must fail before examd opens the web root or the database, so
  // the missing web root and database are never reached.
  const std::vector<std::string> common = {"--web-root", "/nonexistent/web", "--database-url",
                                           "postgresql:///none?host=/nonexistent"};
  auto with = [&](std::vector<std::string> arguments) {
    arguments.insert(arguments.end(), common.begin(), common.end());
    return arguments;
  };

  CHECK(RunExamdToExit(folder, with({"--listen", "0.0.0.0:0"})) == 1);
  CHECK(ReadFile(folder.path() / "examd.log").find("--tls-proxy") != std::string::npos);

  CHECK(RunExamdToExit(folder, with({"--listen", "127.0.0.1:0", "--tls-proxy",
                                     "--dev-insecure-cookies"})) == 1);
  CHECK(ReadFile(folder.path() / "examd.log").find("cannot be combined") != std::string::npos);

  CHECK(RunExamdToExit(folder, with({"--listen", "127.0.0.1:0", "--security-contact",
                                     "security@example.org"})) == 1);
  CHECK(ReadFile(folder.path() / "examd.log").find("mailto:") != std::string::npos);
}

TEST_CASE("full event queue answers 503 with Retry-After") {
  ScratchDatabase db;
  TempFolder folder;
  auto organization = exam::testing::MakeOrganization(db, "org-queue");
  const auto& staff = organization.instructor;
  REQUIRE(exam::CreateExam(db.app(), staff, exam::testing::MakeExamSpec("midterm")).ok());
  REQUIRE(exam::PublishExam(db.app(), staff, "midterm").ok());
  auto roster = exam::ImportRoster(db.app(), staff, "midterm",
                                   {{"s1", "Student 1", "", 0}, {"s2", "Student 2", "", 0}});
  REQUIRE(roster.ok());
  std::vector<std::string> tokens;
  for (int i = 0; i < 2; ++i) {
    auto state = exam::JoinExam(db.app(), (*roster)["entries"][i]["invite"].get<std::string>(),
                                exam::SystemClock());
    REQUIRE(state.ok());
    tokens.push_back((*state)["session_token"].get<std::string>());
  }
  // One writer waits a whole second for more batches, and one waiting batch
  // fills the queue, so of two batches sent at once one must wait and the
  // other is rejected.
  ExamdProcess examd(folder, db,
                     {"--group-commit-writers", "1", "--group-commit-ms", "1000", "--event-queue",
                      "1"});
  const json batch = {{"events",
                       {{{"seq", 1}, {"type", "focus"}, {"t", exam::SystemClock().Now()},
                         {"state", "blur"}}}}};
  // Runs on other threads too, where Catch2 must not assert: a transport
  // error comes back as status 0.
  auto send = [&](const std::string& token) {
    httplib::Client client = examd.Client();
    auto res = PostJson(client, "/api/student/events", batch, {{"Authorization", "Bearer " + token}});
    return res ? std::pair(res->status, *res) : std::pair(0, httplib::Response());
  };
  auto first = std::async(std::launch::async, send, tokens[0]);
  auto second = std::async(std::launch::async, send, tokens[1]);
  const auto [first_status, first_response] = first.get();
  const auto [second_status, second_response] = second.get();

  CHECK(std::min(first_status, second_status) == 200);
  REQUIRE(std::max(first_status, second_status) == 503);
  const httplib::Response& rejected = first_status == 503 ? first_response : second_response;
  CHECK(rejected.get_header_value("Retry-After") == "2");
  CHECK(json::parse(rejected.body)["error"]["code"] == "unavailable");

  // The rejected batch stored nothing. Sent again, it is stored.
  int stored = -1;
  REQUIRE(db.owner()
              .WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
                stored = txn.exec1("SELECT count(*) FROM events")[0].as<int>();
                return {};
              })
              .ok());
  CHECK(stored == 1);
  const std::string& rejected_token = first_status == 503 ? tokens[0] : tokens[1];
  const auto [again_status, again_response] = send(rejected_token);
  CHECK(again_status == 200);
  CHECK(json::parse(again_response.body)["acked_seq"] == 1);
}
