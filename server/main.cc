// examd: serves the student exam page and the JSON API over PostgreSQL.
// main only parses options, opens the database and the web root, binds the
// port and waits for SIGINT or SIGTERM; everything else lives in the route
// files and in libexam.
#include <arpa/inet.h>
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <thread>

#include "exam/crypto.h"
#include "exam/database.h"
#include "exam/event_store.h"
#include "exam/evidence.h"
#include "exam/log.h"
#include "exam/time.h"
#include "event_batcher.h"
#include "routes.h"
#include "session_token_cache.h"
#include "static_files.h"
#include "timeout_sweeper.h"

namespace {

// Connections waiting to be accepted at most.
constexpr int kListenBacklog = 4096;

struct Options {
  std::string listen = "127.0.0.1:8080";
  std::string database_url;
  std::string web_root;
  std::string public_url;
  std::string port_file;
  bool print_routes = false;
  std::string signing_key = "examd-signing.key";
  int threads = 64;
  int pool_size = 8;
  int group_commit_writers = 2;
  int group_commit_ms = 2;
  int group_commit_max = 200;
  int event_queue = 5000;
  int session_cache = 100000;
  int session_cache_ttl = 300;
  bool dev_insecure_cookies = false;
  bool tls_proxy = false;
  std::string security_contact = examd::AuthSettings{}.security_contact;
  int login_idle_minutes = 30;
  int login_attempts_per_hour = 100;
  int timeout_sweep_seconds = 30;
};

// Returns whether `host` is a loopback address, which no other machine can
// reach: 127.0.0.0/8, ::1 or "localhost".
bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") {
    return true;
  }
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1 &&
         (ntohl(address.s_addr) >> 24) == 127;
}

std::filesystem::path DefaultWebRoot() {
  std::error_code error;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path("web") : executable.parent_path().parent_path() / "web";
}

bool SplitHostPort(const std::string& address, std::string& host, int& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return false;
  }
  host = address.substr(0, colon);
  try {
    std::size_t used = 0;
    port = std::stoi(address.substr(colon + 1), &used);
    return used == address.size() - colon - 1 && port >= 0 && port <= 65535;
  } catch (const std::exception&) {
    return false;
  }
}

// The route table as JSON, for tests that check every route's access.
nlohmann::json RoutesAsJson(const std::vector<examd::Route>& routes) {
  nlohmann::json list = nlohmann::json::array();
  for (const examd::Route& route : routes) {
    const char* access = "public";
    switch (route.access) {
      case examd::Access::kPublic:
        access = "public";
        break;
      case examd::Access::kStudent:
        access = "student";
        break;
      case examd::Access::kStaff:
        access = "staff";
        break;
      case examd::Access::kStaffSession:
        access = "staff_session";
        break;
      case examd::Access::kOperator:
        access = "operator";
        break;
    }
    nlohmann::json roles = nlohmann::json::array();
    for (exam::StaffRole role : route.staff_roles) {
      roles.push_back(exam::StaffRoleName(role));
    }
    list.push_back({{"method", route.method},
                    {"pattern", route.pattern},
                    {"name", route.name},
                    {"access", access},
                    {"staff_roles", roles},
                    {"finds_object_first", static_cast<bool>(route.find_object)}});
  }
  return list;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "examd: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"examd: the Examination Center server (student exam page and JSON API)"};
  app.add_option("--listen", options.listen,
                 "Address and port to listen on, HOST:PORT; port 0 picks a free port")
      ->envname("EXAM_LISTEN")
      ->capture_default_str();
  app.add_option("--database-url", options.database_url,
                 "PostgreSQL URL of the application role, which owns nothing and cannot bypass "
                 "row-level security")
      ->envname("EXAM_DATABASE_URL")
      ->required();
  app.add_option("--web-root", options.web_root,
                 "Folder of the built web pages (exam.html, assets/, pyodide/); default: web/ "
                 "beside the folder of the examd binary")
      ->envname("EXAM_WEB_ROOT");
  app.add_option("--public-url", options.public_url,
                 "Base URL that students reach, used in invite links; default: http://LISTEN")
      ->envname("EXAM_PUBLIC_URL");
  app.add_option("--threads", options.threads, "Number of request threads")
      ->envname("EXAM_THREADS")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--db-pool", options.pool_size, "Maximum number of PostgreSQL connections")
      ->envname("EXAM_DB_POOL")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--group-commit-writers", options.group_commit_writers,
                 "Threads that store student events with group commit, each on its own "
                 "PostgreSQL connection; 0 stores each request in its own transaction")
      ->envname("EXAM_GROUP_COMMIT_WRITERS")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  app.add_option("--group-commit-ms", options.group_commit_ms,
                 "Milliseconds a writer waits for more event requests to join one transaction")
      ->envname("EXAM_GROUP_COMMIT_MS")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  app.add_option("--group-commit-max", options.group_commit_max,
                 "Event requests stored in one transaction at most")
      ->envname("EXAM_GROUP_COMMIT_MAX")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--event-queue", options.event_queue,
                 "Event requests waiting for a writer at most; more are answered with 503 and "
                 "Retry-After")
      ->envname("EXAM_EVENT_QUEUE")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--session-cache", options.session_cache,
                 "Exam session tokens whose look-up is cached in memory (least recently used "
                 "go first); 0 looks every token up in the database")
      ->envname("EXAM_SESSION_CACHE")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  app.add_option("--session-cache-ttl", options.session_cache_ttl,
                 "Seconds a cached session token look-up is used before it is repeated")
      ->envname("EXAM_SESSION_CACHE_TTL")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--signing-key", options.signing_key,
                 "File of the Ed25519 key that signs evidence hash chains; created (mode 0600) "
                 "when missing. Keep it and back it up: exports are verified against its public key")
      ->envname("EXAM_SIGNING_KEY")
      ->capture_default_str();
  app.add_flag("--dev-insecure-cookies", options.dev_insecure_cookies,
               "Plain-HTTP demos on loopback only: name the login cookie exam_session and send "
               "it without Secure, which browsers require for the __Host- cookie")
      ->envname("EXAM_DEV_INSECURE_COOKIES");
  app.add_flag("--tls-proxy", options.tls_proxy,
               "Declare that a TLS-terminating reverse proxy is in front: allows a non-loopback "
               "--listen address and sends Strict-Transport-Security")
      ->envname("EXAM_TLS_PROXY");
  app.add_option("--security-contact", options.security_contact,
                 "Contact line of /.well-known/security.txt, a mailto: or https: URI")
      ->envname("EXAM_SECURITY_CONTACT")
      ->capture_default_str();
  app.add_option("--login-idle-minutes", options.login_idle_minutes,
                 "Minutes without a request after which a staff login session ends (it ends 12 "
                 "hours after sign-in in any case)")
      ->envname("EXAM_LOGIN_IDLE_MINUTES")
      ->check(CLI::Range(1, 720))
      ->capture_default_str();
  app.add_option("--login-attempts-per-hour", options.login_attempts_per_hour,
                 "Failed sign-in attempts allowed per staff account in one hour; further "
                 "attempts are answered with 429")
      ->envname("EXAM_LOGIN_ATTEMPTS_PER_HOUR")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--timeout-sweep-seconds", options.timeout_sweep_seconds,
                 fmt::format("Seconds between searches for exam sessions whose deadline plus {} s "
                             "of grace passed without a submit; each one found gets its "
                             "submission from its stored events. 0 turns the search off in "
                             "this examd",
                             exam::kDeadlineGraceMs / 1000))
      ->envname("EXAM_TIMEOUT_SWEEP_SECONDS")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  app.add_option("--port-file", options.port_file,
                 "Write the bound port to this file once listening (for tests that use port 0)");
  app.add_flag("--print-routes", options.print_routes,
               "Print every route with who may call it, as JSON, and exit");
  CLI11_PARSE(app, argc, argv);

  exam::LogSink& log = exam::StderrJsonLogSink();
  if (!exam::InitCrypto()) {
    return Fail("libsodium could not be initialised");
  }

  std::string host;
  int port = 0;
  if (!SplitHostPort(options.listen, host, port)) {
    return Fail(fmt::format("--listen must be HOST:PORT such as 127.0.0.1:8080, got \"{}\"",
                            options.listen));
  }
  if (!IsLoopbackHost(host) && !options.tls_proxy) {
    return Fail(fmt::format(
        "--listen {} is not a loopback address; examd speaks plain HTTP, so put a "
        "TLS-terminating reverse proxy in front and pass --tls-proxy (EXAM_TLS_PROXY=1), or "
        "listen on 127.0.0.1",
        options.listen));
  }
  if (options.dev_insecure_cookies && options.tls_proxy) {
    return Fail("--dev-insecure-cookies is for plain-HTTP demos and cannot be combined with "
                "--tls-proxy; remove one of them");
  }
  if (options.security_contact.rfind("mailto:", 0) != 0 &&
      options.security_contact.rfind("https://", 0) != 0) {
    return Fail(fmt::format("--security-contact must start with mailto: or https://, got \"{}\"",
                            options.security_contact));
  }

  const std::filesystem::path web_root =
      options.web_root.empty() ? DefaultWebRoot() : std::filesystem::path(options.web_root);
  auto assets = examd::WebAssets::Load(web_root);
  if (!assets) {
    return Fail(assets.error().message);
  }

  auto signing_key = exam::SigningKey::LoadOrCreate(options.signing_key);
  if (!signing_key) {
    return Fail(signing_key.error().message);
  }

  exam::DatabaseOptions database_options;
  database_options.url = options.database_url;
  database_options.pool_size = static_cast<std::size_t>(options.pool_size);
  auto database = exam::Database::Open(database_options, log);
  if (!database) {
    return Fail(database.error().message +
                "; start it (scripts/local-pg start) or fix --database-url / EXAM_DATABASE_URL");
  }

  // Signals go to the waiting thread below, not to httplib's workers.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  httplib::Server server;
  const int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(2 * 1024 * 1024);
  server.set_keep_alive_max_count(1000);
  server.set_read_timeout(30);
  server.set_write_timeout(30);
  // cpp-httplib writes a response's head and body separately; without
  // TCP_NODELAY the body waits for the client's delayed ACK, about 40 ms.
  server.set_tcp_nodelay(true);
  // cpp-httplib listens with a backlog of 5 connections, so a class opening
  // the exam at once would see connections dropped and retried a second or
  // more later. Listening again on the bound socket raises the backlog; the
  // kernel caps it at net.core.somaxconn.
  socket_t listen_socket = INVALID_SOCKET;
  server.set_socket_options([&listen_socket](socket_t socket) {
    httplib::default_socket_options(socket);
    listen_socket = socket;
  });

  int bound_port = port;
  if (port == 0) {
    bound_port = server.bind_to_any_port(host);
    if (bound_port < 0) {
      return Fail(fmt::format("cannot listen on {}: no free port", host));
    }
  } else if (!server.bind_to_port(host, port)) {
    return Fail(fmt::format(
        "cannot listen on {}:{}: the port is in use or the address is not local; "
        "choose another with --listen or EXAM_LISTEN",
        host, port));
  }

  if (listen_socket != INVALID_SOCKET && ::listen(listen_socket, kListenBacklog) != 0) {
    return Fail(fmt::format("cannot listen on {}:{} with a backlog of {}: {}", host, bound_port,
                            kListenBacklog, std::strerror(errno)));
  }

  const std::string listening = fmt::format("{}:{}", host, bound_port);
  examd::ServerContext context{**database, exam::SystemClock(), log, *assets, *signing_key,
                               options.public_url.empty() ? "http://" + listening
                                                          : options.public_url};
  context.auth.login_policy.idle_timeout_ms =
      static_cast<std::int64_t>(options.login_idle_minutes) * 60 * 1000;
  context.auth.login_policy.max_failures_per_hour = options.login_attempts_per_hour;
  context.auth.insecure_cookies = options.dev_insecure_cookies;
  context.auth.tls_proxy = options.tls_proxy;
  context.auth.security_contact = options.security_contact;
  // security.txt must expire within a year (RFC 9116); restart examd within
  // 364 days to keep it current.
  context.auth.security_txt_expires = context.clock.Now() + std::int64_t{364} * 86400 * 1000;

  std::unique_ptr<examd::SessionTokenCache> session_tokens;
  if (options.session_cache > 0) {
    session_tokens = std::make_unique<examd::SessionTokenCache>(
        static_cast<std::size_t>(options.session_cache),
        std::chrono::seconds(options.session_cache_ttl));
    context.session_tokens = session_tokens.get();
  }
  const exam::SigningKey& key = *signing_key;
  const exam::HeadSigner sign_head = [&key](std::string_view message) { return key.Sign(message); };
  std::unique_ptr<examd::EventBatcher> event_batcher;
  if (options.group_commit_writers > 0) {
    examd::EventBatcherOptions batcher_options;
    batcher_options.database_url = options.database_url;
    batcher_options.writers = options.group_commit_writers;
    batcher_options.window = std::chrono::milliseconds(options.group_commit_ms);
    batcher_options.max_group = static_cast<std::size_t>(options.group_commit_max);
    batcher_options.max_queue = static_cast<std::size_t>(options.event_queue);
    event_batcher =
        std::make_unique<examd::EventBatcher>(batcher_options, context.clock, log, sign_head);
    context.event_batcher = event_batcher.get();
  }
  if (options.print_routes) {
    std::printf("%s\n", RoutesAsJson(examd::AllRoutes(context)).dump(2).c_str());
    return 0;
  }
  examd::InstallRoutes(server, context);

  std::unique_ptr<examd::TimeoutSweeper> timeout_sweeper;
  if (options.timeout_sweep_seconds > 0) {
    examd::TimeoutSweeperOptions sweeper_options;
    sweeper_options.interval = std::chrono::seconds(options.timeout_sweep_seconds);
    timeout_sweeper = std::make_unique<examd::TimeoutSweeper>(context.db, context.clock, log,
                                                              sign_head, sweeper_options);
  }
  if (options.dev_insecure_cookies) {
    log.Write(exam::LogLevel::kWarning,
              "--dev-insecure-cookies is on: the login cookie exam_session is sent without "
              "Secure; use it only for plain-HTTP demos on this machine",
              {{"address", listening}});
  }

  if (!options.port_file.empty()) {
    std::ofstream(options.port_file) << bound_port << "\n";
  }
  log.Write(exam::LogLevel::kInfo, "listening",
            {{"address", listening},
             {"public_url", context.public_url},
             {"web_root", web_root.string()},
             {"web_files", std::to_string(assets->file_count())},
             {"signing_public_key", signing_key->public_key()},
             {"threads", std::to_string(threads)},
             {"group_commit_writers", std::to_string(options.group_commit_writers)},
             {"session_cache", std::to_string(options.session_cache)},
             {"timeout_sweep_seconds", std::to_string(options.timeout_sweep_seconds)}});

  std::thread waiter([&server, signals] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    server.stop();
  });
  const bool ok = server.listen_after_bind();
  if (waiter.joinable()) {
    // listen_after_bind returned on its own (an error): wake the waiter.
    if (server.is_running()) {
      server.stop();
    }
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  }
  timeout_sweeper.reset();
  log.Write(exam::LogLevel::kInfo, "stopped", {{"address", listening}});
  return ok ? 0 : 1;
}
