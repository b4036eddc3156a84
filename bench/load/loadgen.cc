// loadgen: simulates students of one exam sending events to examd over
// loopback, and reports acknowledged events per second, request latency,
// errors, join rate and examd's peak memory. bench/load/run sets up the
// database, examd and the roster and then starts it.
//
// A fixed pool of worker threads each drives its share of the students through
// one keep-alive httplib::Client. Every student joins at once (the start of an
// exam), then sends a batch of new events every --batch-interval-ms together
// with any events still unacknowledged, as the exam page does. Edits track the
// text of each question in UTF-16 code units, so the server can replay them and
// every snapshot carries the SHA-256 of the text it states. After --duration
// seconds each student sends a submit event. At the end loadgen checks in
// PostgreSQL that every session contains exactly the events acknowledged to it.
//
// A worker serves its students in due order, so when requests take longer
// than the interval allows, batches go out late rather than concurrently; the
// report shows that lag next to the offered and achieved event rates.
#include <httplib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "exam/crypto.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

struct Options {
  std::string server = "http://127.0.0.1:8080";
  std::string invites_file;
  std::string check_database_url;
  int students = 0;
  int duration_s = 60;
  int batch_interval_ms = 2000;
  int events_per_batch = 10;
  int workers = 128;
  int ramp_s = 0;
  int examd_pid = 0;
  int drain_s = 60;
  int join_timeout_s = 300;
  unsigned seed = 1;
};

// --- text in UTF-16 code units ---------------------------------------------

std::u16string Utf8ToUtf16(const std::string& text) {
  std::u16string out;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = text[i];
    char32_t code = 0;
    int length = 1;
    if (c < 0x80) {
      code = c;
    } else if ((c >> 5) == 0x6) {
      code = c & 0x1F;
      length = 2;
    } else if ((c >> 4) == 0xE) {
      code = c & 0x0F;
      length = 3;
    } else {
      code = c & 0x07;
      length = 4;
    }
    for (int k = 1; k < length && i + k < text.size(); ++k) {
      code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    i += length;
    if (code >= 0x10000) {
      code -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (code >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (code & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(code));
    }
  }
  return out;
}

std::string Utf16ToUtf8(std::u16string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char32_t code = text[i];
    if (code >= 0xD800 && code < 0xDC00 && i + 1 < text.size()) {
      code = 0x10000 + ((code - 0xD800) << 10) + (text[i + 1] - 0xDC00);
      ++i;
    }
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (code >> 18)));
      out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }
  return out;
}

// Moves `position` back off the low half of a surrogate pair, so an edit
// never splits a character.
std::size_t CharBoundary(const std::u16string& text, std::size_t position) {
  position = std::min(position, text.size());
  if (position > 0 && position < text.size() && text[position] >= 0xDC00 &&
      text[position] < 0xE000) {
    --position;
  }
  return position;
}

// Typed characters: mostly ASCII, a few accented letters and one arrow so
// that UTF-8 byte offsets and UTF-16 positions differ.
const char16_t kTypedCharacters[] =
    u"abcdefghijklmnopqrstuvwxyz_ ()=:+-*0123456789abcdeeeeiiinnnoorrssttt     \n\n\né→ß";

std::int64_t UnixMillisNow() {
  return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// --- one simulated student -------------------------------------------------

struct Student {
  std::string invite;
  std::string token;
  std::int64_t session_id = 0;
  std::vector<std::string> question_keys;
  std::vector<std::u16string> texts;  // per question, as the server will replay it
  std::size_t question = 0;
  std::size_t cursor = 0;
  std::int64_t next_seq = 1;
  std::int64_t acked_seq = 0;
  std::int64_t first_seq = 1;
  std::deque<std::pair<std::int64_t, std::string>> pending;  // seq, event JSON
  int batches = 0;
  bool joined = false;
  bool submit_queued = false;
  bool submitted = false;
  Clock::time_point next_batch;
  Clock::time_point retry_at;
  int failures = 0;
  std::minstd_rand random;
};

void QueueEvent(Student& student, json event) {
  event["seq"] = student.next_seq;
  event["t"] = UnixMillisNow();
  student.pending.emplace_back(student.next_seq, event.dump());
  ++student.next_seq;
}

const std::string& CurrentKey(const Student& student) {
  return student.question_keys[student.question];
}

void QueueSnapshot(Student& student) {
  const std::string text = Utf16ToUtf8(student.texts[student.question]);
  QueueEvent(student, {{"type", "snapshot"},
                       {"question", CurrentKey(student)},
                       {"text", text},
                       {"sha256", exam::Sha256Hex(text)}});
}

// Applies one edit to the tracked text and queues its event.
void QueueEdit(Student& student, std::size_t from, std::size_t to, const std::u16string& inserted,
               const char* origin) {
  std::u16string& text = student.texts[student.question];
  text.replace(from, to - from, inserted);
  student.cursor = from + inserted.size();
  QueueEvent(student, {{"type", "edit"},
                       {"question", CurrentKey(student)},
                       {"changes", json::array({json::array({from, to, Utf16ToUtf8(inserted)})})},
                       {"origin", origin}});
}

// Queues about `count` events of one two-second stretch of work: typing
// 1 to 3 characters at a time, backspaces, now and then a paste, a run, a
// question switch, and a snapshot every fifth batch.
void QueueBatch(Student& student, int count) {
  std::minstd_rand& random = student.random;
  auto chance = [&random](int percent) {
    return std::uniform_int_distribution<int>(0, 99)(random) < percent;
  };
  const std::int64_t before = student.next_seq;

  if (chance(3) && student.question_keys.size() > 1) {
    student.question = (student.question + 1) % student.question_keys.size();
    student.cursor = student.texts[student.question].size();
    QueueEvent(student, {{"type", "question"}, {"question", CurrentKey(student)}});
  }
  if (chance(2)) {
    const int length = std::uniform_int_distribution<int>(50, 300)(random);
    std::u16string pasted;
    for (int i = 0; i < length; ++i) {
      pasted.push_back(kTypedCharacters[random() % (std::size(kTypedCharacters) - 1)]);
    }
    const std::size_t at = CharBoundary(student.texts[student.question], student.cursor);
    QueueEdit(student, at, at, pasted, "input.paste");
    QueueEvent(student, {{"type", "paste"},
                         {"question", CurrentKey(student)},
                         {"from", at},
                         {"length", pasted.size()},
                         {"source", chance(50) ? "inside" : "outside"}});
  }

  while (student.next_seq - before < count - 1) {
    std::u16string& text = student.texts[student.question];
    if (chance(5)) {
      student.cursor = std::uniform_int_distribution<std::size_t>(0, text.size())(random);
    }
    const std::size_t at = CharBoundary(text, student.cursor);
    if (chance(10) && at > 0) {
      const std::size_t from = CharBoundary(text, at - 1);
      QueueEdit(student, from, at, u"", "delete.backward");
      continue;
    }
    const int length = std::uniform_int_distribution<int>(1, 3)(random);
    std::u16string typed;
    for (int i = 0; i < length; ++i) {
      typed.push_back(kTypedCharacters[random() % (std::size(kTypedCharacters) - 1)]);
    }
    QueueEdit(student, at, at, typed, "input.type");
  }

  ++student.batches;
  if (student.batches % 15 == 0) {
    const std::string code = Utf16ToUtf8(student.texts[student.question]);
    const char* statuses[] = {"ok", "error", "tests_passed", "tests_failed"};
    QueueEvent(student, {{"type", "run"},
                         {"question", CurrentKey(student)},
                         {"code_sha256", exam::Sha256Hex(code)},
                         {"status", statuses[random() % 4]},
                         {"duration_ms", 20 + random() % 800}});
  } else if (student.batches % 5 == 0) {
    QueueSnapshot(student);
  } else {
    std::u16string& text = student.texts[student.question];
    const std::size_t at = CharBoundary(text, student.cursor);
    QueueEdit(student, at, at, u" ", "input.type");
  }
}

// --- measurements shared by the workers ------------------------------------

struct Stats {
  std::mutex mutex;
  std::vector<std::uint32_t> latency_us;        // requests sent during the load phase
  std::vector<std::uint32_t> drain_latency_us;  // later ones: the last events and the submits
  std::vector<std::uint32_t> join_latency_us;
  std::map<std::string, std::int64_t> errors;  // status code or transport error -> count
  std::int64_t requests = 0;
  std::int64_t events_acked_in_window = 0;
  std::vector<std::int64_t> lag_ms;
};

struct Shared {
  Options options;
  Clock::time_point load_start;   // the joins start
  Clock::time_point join_deadline;
  // Set by the last worker to finish its joins; the event phase runs from
  // events_start to load_end, then the submits until drain_end.
  std::mutex phase_mutex;
  std::condition_variable phase_changed;
  int workers_joining = 0;
  Clock::time_point events_start;
  Clock::time_point load_end;
  Clock::time_point drain_end;
  std::atomic<int> joins_done{0};
  std::atomic<bool> stop_sampler{false};
  Stats stats;
};

double Percentile(std::vector<std::uint32_t>& values, double fraction) {
  if (values.empty()) {
    return 0;
  }
  const std::size_t index =
      std::min(values.size() - 1, static_cast<std::size_t>(fraction * values.size()));
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index] / 1000.0;
}

// Reads "VmHWM" or "VmRSS" of `pid` in KiB; 0 when the process is gone.
long ReadStatusKib(int pid, const char* field) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) {
      return std::strtol(line.c_str() + std::strlen(field) + 1, nullptr, 10);
    }
  }
  return 0;
}

// Returns the seconds to wait that Retry-After states, or 1 when it is
// missing or not a number of seconds.
int RetryAfterSeconds(const httplib::Result& result) {
  const std::string value = result->get_header_value("Retry-After");
  try {
    return std::clamp(std::stoi(value), 0, 60);
  } catch (const std::exception&) {
    return 1;
  }
}

// --- the worker ------------------------------------------------------------

class Worker {
 public:
  Worker(Shared& shared, std::vector<Student*> students)
      : shared_(shared), students_(std::move(students)), client_(shared.options.server) {
    client_.set_keep_alive(true);
    // A request's head and body go out in separate writes; browsers, like
    // this, do not let the body wait for the server's delayed ACK.
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(5, 0);
    client_.set_read_timeout(60, 0);
    client_.set_write_timeout(30, 0);
  }

  void Run() {
    JoinAll();
    WaitForAllJoins();
    SendUntilDone();
  }

 private:
  void RecordError(const std::string& key) {
    std::lock_guard<std::mutex> lock(shared_.stats.mutex);
    ++shared_.stats.errors[key];
  }

  // Waits until every worker has joined its students; the last one to finish
  // starts the event phase for all.
  void WaitForAllJoins() {
    std::unique_lock<std::mutex> lock(shared_.phase_mutex);
    if (--shared_.workers_joining == 0) {
      shared_.events_start = Clock::now();
      shared_.load_end = shared_.events_start + std::chrono::seconds(shared_.options.duration_s);
      shared_.drain_end = shared_.load_end + std::chrono::seconds(shared_.options.drain_s);
      shared_.phase_changed.notify_all();
    } else {
      shared_.phase_changed.wait(lock, [this] { return shared_.workers_joining == 0; });
    }
  }

  // Exchanges each student's invite for a session token, retrying on 503 and
  // transport errors until --join-timeout.
  void JoinAll() {
    const int ramp_ms = shared_.options.ramp_s * 1000;
    for (std::size_t i = 0; i < students_.size(); ++i) {
      Student& student = *students_[i];
      if (ramp_ms > 0) {
        std::this_thread::sleep_until(
            shared_.load_start +
            Millis(static_cast<std::int64_t>(ramp_ms) * static_cast<std::int64_t>(i) /
                   static_cast<std::int64_t>(students_.size())));
      }
      int attempt = 0;
      while (!student.joined && Clock::now() < shared_.join_deadline) {
        const auto started = Clock::now();
        const std::string body = json{{"invite", student.invite}}.dump();
        auto result = client_.Post("/api/student/join", body, "application/json");
        const auto elapsed =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
        if (result && result->status == 200) {
          {
            std::lock_guard<std::mutex> lock(shared_.stats.mutex);
            shared_.stats.join_latency_us.push_back(static_cast<std::uint32_t>(elapsed.count()));
          }
          StartStudent(student, json::parse(result->body));
          ++shared_.joins_done;
          break;
        }
        if (!result) {
          RecordError("join transport: " + httplib::to_string(result.error()));
          std::this_thread::sleep_for(Millis(std::min(5000, 100 << std::min(attempt, 6))));
        } else {
          RecordError(fmt::format("join {}", result->status));
          if (result->status != 503) {
            break;  // the roster or the exam is wrong; retrying cannot help
          }
          std::this_thread::sleep_for(std::chrono::seconds(RetryAfterSeconds(result)));
        }
        ++attempt;
      }
    }
  }

  void StartStudent(Student& student, const json& state) {
    student.token = state.at("session_token").get<std::string>();
    student.session_id = state.at("session").at("id").get<std::int64_t>();
    student.next_seq = state.at("session").at("next_seq").get<std::int64_t>();
    student.acked_seq = state.at("session").at("acked_seq").get<std::int64_t>();
    student.first_seq = student.next_seq;
    for (const json& question : state.at("exam").at("questions")) {
      const std::string key = question.at("key").get<std::string>();
      student.question_keys.push_back(key);
      student.texts.push_back(Utf8ToUtf16(state.at("texts").value(key, std::string())));
    }
    student.cursor = student.texts.empty() ? 0 : student.texts[0].size();
    student.joined = !student.question_keys.empty();
    // The first batch comes at a random point of the first interval, as pages
    // opened within the same minute do not type in step.
    const int interval = shared_.options.batch_interval_ms;
    student.next_batch = Millis(student.random() % std::max(1, interval)) + Clock::time_point{};
    student.retry_at = Clock::time_point{};
  }

  Clock::time_point DueTime(const Student& student) const {
    if (student.submitted) {
      return Clock::time_point::max();
    }
    if (!student.pending.empty() && student.retry_at != Clock::time_point{}) {
      return student.retry_at;
    }
    if (Clock::now() >= shared_.load_end || student.submit_queued) {
      return student.retry_at == Clock::time_point{} ? Clock::now() : student.retry_at;
    }
    return student.next_batch;
  }

  void SendUntilDone() {
    using Entry = std::pair<Clock::time_point, Student*>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> due;
    for (Student* student : students_) {
      if (student->joined) {
        // Until now next_batch contains only the offset into the first interval.
        student->next_batch = shared_.events_start + student->next_batch.time_since_epoch();
        due.emplace(DueTime(*student), student);
      }
    }
    while (!due.empty()) {
      auto [when, student] = due.top();
      due.pop();
      if (Clock::now() >= shared_.drain_end) {
        break;
      }
      std::this_thread::sleep_until(std::min(when, shared_.drain_end));
      Step(*student);
      if (!student->submitted) {
        due.emplace(DueTime(*student), student);
      }
    }
  }

  // One turn of a student: queue what is due, then send the pending events.
  void Step(Student& student) {
    const auto now = Clock::now();
    const bool loading = now < shared_.load_end;
    if (loading && now >= student.next_batch) {
      const auto lag = std::chrono::duration_cast<Millis>(now - student.next_batch).count();
      {
        std::lock_guard<std::mutex> lock(shared_.stats.mutex);
        shared_.stats.lag_ms.push_back(lag);
      }
      QueueBatch(student, shared_.options.events_per_batch);
      student.next_batch += Millis(shared_.options.batch_interval_ms);
      if (student.next_batch < now) {
        student.next_batch = now;  // skip beats the page could not have sent
      }
    }
    if (!loading && !student.submit_queued) {
      QueueEvent(student, {{"type", "submit"}});
      student.submit_queued = true;
    }
    if (student.retry_at != Clock::time_point{} && now < student.retry_at) {
      return;
    }
    if (!student.pending.empty()) {
      Send(student, loading);
    }
  }

  void Send(Student& student, bool loading) {
    std::string body = "{\"events\":[";
    std::size_t count = 0;
    for (const auto& [seq, text] : student.pending) {
      if (count == 500 || body.size() + text.size() > 900 * 1024) {
        break;
      }
      if (count > 0) {
        body.push_back(',');
      }
      body += text;
      ++count;
    }
    body += "]}";

    const httplib::Headers headers = {{"Authorization", "Bearer " + student.token}};
    const auto started = Clock::now();
    auto result = client_.Post("/api/student/events", headers, body, "application/json");
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    {
      std::lock_guard<std::mutex> lock(shared_.stats.mutex);
      ++shared_.stats.requests;
      (loading ? shared_.stats.latency_us : shared_.stats.drain_latency_us)
          .push_back(static_cast<std::uint32_t>(elapsed.count()));
    }

    if (!result) {
      RecordError("transport: " + httplib::to_string(result.error()));
      Backoff(student, 0);
      return;
    }
    if (result->status == 503) {
      RecordError("503");
      Backoff(student, RetryAfterSeconds(result) * 1000);
      return;
    }
    if (result->status != 200) {
      RecordError(std::to_string(result->status));
      if (result->status >= 500 || result->status == 429) {
        Backoff(student, 0);
        return;
      }
      // A 4xx other than 429 means loadgen built a wrong batch: drop it, so
      // one bug does not turn into endless retries, and let the check report it.
      if (result->status != 409) {
        student.pending.clear();
        student.retry_at = {};
        return;
      }
    }

    const json answer = json::parse(result->body, nullptr, false);
    if (answer.is_discarded() || !answer.contains("acked_seq")) {
      RecordError(fmt::format("{} without acked_seq", result->status));
      Backoff(student, 0);
      return;
    }
    const std::int64_t acked = answer["acked_seq"].get<std::int64_t>();
    if (acked > student.acked_seq) {
      if (loading) {
        std::lock_guard<std::mutex> lock(shared_.stats.mutex);
        shared_.stats.events_acked_in_window += acked - student.acked_seq;
      }
      student.acked_seq = acked;
    }
    while (!student.pending.empty() && student.pending.front().first <= student.acked_seq) {
      student.pending.pop_front();
    }
    student.failures = 0;
    student.retry_at = {};
    if (student.pending.empty() && (student.submit_queued || answer.value("submitted", false))) {
      student.submitted = true;
    }
  }

  // Waits `retry_after_ms` when the server stated it, else backs off
  // exponentially from 100 ms to 5 s.
  void Backoff(Student& student, int retry_after_ms) {
    const int exponential = std::min(5000, 100 << std::min(student.failures, 6));
    student.retry_at = Clock::now() + Millis(retry_after_ms > 0 ? retry_after_ms : exponential);
    ++student.failures;
  }

  Shared& shared_;
  std::vector<Student*> students_;
  httplib::Client client_;
};

// --- the final check ---------------------------------------------------------

struct CheckResult {
  std::int64_t sessions = 0;
  std::int64_t lost = 0;    // acknowledged to loadgen but not stored
  std::int64_t extra = 0;   // stored beyond what loadgen saw acknowledged
  std::int64_t mismatched_sessions = 0;
};

// Compares, per session, the events stored with the acked_seq that loadgen
// received: count(seq) and max(seq) must both equal acked_seq.
CheckResult CheckStoredEvents(const std::string& url, const std::vector<Student>& students) {
  CheckResult check;
  std::map<std::int64_t, std::int64_t> acked;
  std::string ids = "{";
  for (const Student& student : students) {
    if (!student.joined) {
      continue;
    }
    acked[student.session_id] = student.acked_seq;
    ids += (ids.size() > 1 ? "," : "") + std::to_string(student.session_id);
  }
  ids += "}";
  pqxx::connection connection(url);
  pqxx::work txn(connection);
  const pqxx::result rows = txn.exec_params(
      "SELECT s.id, s.acked_seq, count(e.seq), coalesce(max(e.seq), 0) "
      "  FROM exam_sessions s LEFT JOIN events e ON e.org_id = s.org_id AND e.session_id = s.id "
      " WHERE s.id = ANY ($1::bigint[]) GROUP BY s.id, s.acked_seq",
      ids);
  for (const pqxx::row& row : rows) {
    const std::int64_t session = row[0].as<std::int64_t>();
    const std::int64_t stored_acked = row[1].as<std::int64_t>();
    const std::int64_t count = row[2].as<std::int64_t>();
    const std::int64_t max_seq = row[3].as<std::int64_t>();
    const std::int64_t expected = acked[session];
    ++check.sessions;
    if (count < expected || stored_acked < expected) {
      check.lost += expected - std::min(count, stored_acked);
    }
    if (max_seq > expected) {
      check.extra += max_seq - expected;
    }
    if (count != expected || max_seq != expected || stored_acked != expected) {
      ++check.mismatched_sessions;
    }
  }
  return check;
}

std::vector<std::string> ReadInvites(const std::string& path) {
  std::ifstream file(path);
  std::vector<std::string> invites;
  std::string line;
  while (std::getline(file, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
      line.pop_back();
    }
    const auto fragment = line.find("#invite=");
    if (fragment != std::string::npos) {
      line = line.substr(fragment + 8);
    }
    if (!line.empty()) {
      invites.push_back(line);
    }
  }
  return invites;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"loadgen: simulate students sending exam events to examd on loopback"};
  app.add_option("--server", options.server, "examd base URL, http://127.0.0.1:PORT")
      ->capture_default_str();
  app.add_option("--invites", options.invites_file,
                 "File with one invite link or invite secret per line")
      ->required();
  app.add_option("--students", options.students,
                 "Number of students to simulate; default: one per invite")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--duration", options.duration_s, "Seconds of sending before the submit")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--batch-interval-ms", options.batch_interval_ms,
                 "Milliseconds between two batches of one student")
      ->check(CLI::Range(10, 600000))
      ->capture_default_str();
  app.add_option("--events-per-batch", options.events_per_batch, "Events in each batch")
      ->check(CLI::Range(2, 400))
      ->capture_default_str();
  app.add_option("--workers", options.workers,
                 "Worker threads, each with one keep-alive connection")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--ramp", options.ramp_s,
                 "Seconds over which students join; 0 joins all at once")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  app.add_option("--join-timeout", options.join_timeout_s,
                 "Seconds allowed for all students to join before the events start")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--drain", options.drain_s,
                 "Seconds after --duration allowed for the last events and the submits")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--examd-pid", options.examd_pid,
                 "PID of examd, whose VmHWM and VmRSS are sampled every second");
  app.add_option("--check-database-url", options.check_database_url,
                 "PostgreSQL URL of the owner role; when set, the stored events are checked "
                 "against the acknowledged ones");
  app.add_option("--seed", options.seed, "Seed of the simulated typing")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!exam::InitCrypto()) {
    std::fprintf(stderr, "loadgen: libsodium could not be initialised\n");
    return 1;
  }
  const std::vector<std::string> invites = ReadInvites(options.invites_file);
  if (options.students == 0) {
    options.students = static_cast<int>(invites.size());
  }
  if (invites.size() < static_cast<std::size_t>(options.students) || options.students == 0) {
    std::fprintf(stderr, "loadgen: --students %d needs as many invites, but %s holds %zu\n",
                 options.students, options.invites_file.c_str(), invites.size());
    return 1;
  }

  std::vector<Student> students(options.students);
  for (int i = 0; i < options.students; ++i) {
    students[i].invite = invites[i];
    students[i].random.seed(options.seed * 1000003u + static_cast<unsigned>(i));
  }

  Shared shared;
  shared.options = options;
  const int workers = std::min(options.workers, options.students);
  const long baseline_rss_kib =
      options.examd_pid > 0 ? ReadStatusKib(options.examd_pid, "VmRSS:") : 0;

  long peak_hwm_kib = 0;
  std::thread sampler([&] {
    while (!shared.stop_sampler) {
      if (options.examd_pid > 0) {
        peak_hwm_kib = std::max(peak_hwm_kib, ReadStatusKib(options.examd_pid, "VmHWM:"));
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });

  shared.load_start = Clock::now();
  shared.join_deadline = shared.load_start + std::chrono::seconds(options.join_timeout_s);
  shared.workers_joining = workers;

  std::vector<std::unique_ptr<Worker>> pool;
  for (int w = 0; w < workers; ++w) {
    std::vector<Student*> mine;
    for (int i = w; i < options.students; i += workers) {
      mine.push_back(&students[i]);
    }
    pool.push_back(std::make_unique<Worker>(shared, std::move(mine)));
  }
  std::vector<std::thread> threads;
  for (auto& worker : pool) {
    threads.emplace_back([&worker] { worker->Run(); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const double join_seconds =
      std::chrono::duration<double>(shared.events_start - shared.load_start).count();
  const int joined = shared.joins_done;
  const auto finished = Clock::now();
  shared.stop_sampler = true;
  sampler.join();
  if (options.examd_pid > 0) {
    peak_hwm_kib = std::max(peak_hwm_kib, ReadStatusKib(options.examd_pid, "VmHWM:"));
  }

  // --- report ---------------------------------------------------------------
  Stats& stats = shared.stats;
  std::int64_t acked_total = 0;
  std::int64_t unacked = 0;
  int submitted = 0;
  for (const Student& student : students) {
    acked_total += student.acked_seq - (student.first_seq - 1);
    unacked += static_cast<std::int64_t>(student.pending.size());
    submitted += student.submitted ? 1 : 0;
  }
  const double load_seconds = options.duration_s;
  const double offered = static_cast<double>(options.students) * options.events_per_batch *
                         1000.0 / options.batch_interval_ms;
  std::vector<std::uint32_t> lag_values;
  for (std::int64_t lag : stats.lag_ms) {
    lag_values.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(lag, 4000000) * 1000));
  }

  fmt::print("students {} workers {} duration {} s interval {} ms events/batch {}\n",
             options.students, workers, options.duration_s, options.batch_interval_ms,
             options.events_per_batch);
  fmt::print("joins: {} of {} in {:.2f} s = {:.0f} joins/s, join latency p50 {:.1f} ms p99 "
             "{:.1f} ms max {:.1f} ms\n",
             joined, options.students, join_seconds, joined / join_seconds,
             Percentile(stats.join_latency_us, 0.50), Percentile(stats.join_latency_us, 0.99),
             Percentile(stats.join_latency_us, 1.0));
  fmt::print("events: offered {:.0f}/s, acknowledged during the load phase {} = {:.0f}/s, "
             "acknowledged in all {}\n",
             offered, stats.events_acked_in_window,
             stats.events_acked_in_window / load_seconds, acked_total);
  fmt::print("requests: {} = {:.0f}/s over {:.1f} s; during the load phase ({}): latency p50 "
             "{:.1f} ms p95 {:.1f} ms p99 {:.1f} ms max {:.1f} ms\n",
             stats.requests,
             stats.requests / std::chrono::duration<double>(finished - shared.events_start).count(),
             std::chrono::duration<double>(finished - shared.events_start).count(),
             stats.latency_us.size(), Percentile(stats.latency_us, 0.50),
             Percentile(stats.latency_us, 0.95), Percentile(stats.latency_us, 0.99),
             Percentile(stats.latency_us, 1.0));
  fmt::print("requests after the load phase (last events, submits: {}): latency p50 {:.1f} ms "
             "p99 {:.1f} ms max {:.1f} ms\n",
             stats.drain_latency_us.size(), Percentile(stats.drain_latency_us, 0.50),
             Percentile(stats.drain_latency_us, 0.99), Percentile(stats.drain_latency_us, 1.0));
  // The load phase in Unix time, for bench/load/run to pick the CPU samples
  // taken during it.
  const auto to_unix = [](Clock::time_point point) {
    const auto since = std::chrono::system_clock::now() -
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(
                           Clock::now() - point);
    return std::chrono::duration<double>(since.time_since_epoch()).count();
  };
  fmt::print("load phase: {:.3f} {:.3f}\n", to_unix(shared.events_start),
             to_unix(shared.load_end));
  fmt::print("batch send lag behind schedule: p50 {:.0f} ms p99 {:.0f} ms max {:.0f} ms\n",
             Percentile(lag_values, 0.50), Percentile(lag_values, 0.99),
             Percentile(lag_values, 1.0));
  std::int64_t error_total = 0;
  std::string error_text;
  for (const auto& [key, count] : stats.errors) {
    error_total += count;
    error_text += fmt::format(" [{}: {}]", key, count);
  }
  fmt::print("errors: {}{}\n", error_total, error_text);
  fmt::print("submitted: {} of {}, events still unacknowledged at the end: {}\n", submitted,
             joined, unacked);
  if (options.examd_pid > 0) {
    const double grown_mib = (peak_hwm_kib - baseline_rss_kib) / 1024.0;
    fmt::print("examd memory: VmRSS before {:.1f} MiB, VmHWM peak {:.1f} MiB, "
               "{:.2f} MiB per 1,000 students above the start\n",
               baseline_rss_kib / 1024.0, peak_hwm_kib / 1024.0,
               grown_mib * 1000.0 / options.students);
  }

  int exit_code = error_total == 0 && unacked == 0 && joined == options.students ? 0 : 2;
  if (!options.check_database_url.empty()) {
    try {
      const CheckResult check = CheckStoredEvents(options.check_database_url, students);
      fmt::print("check: {} sessions, {} acknowledged events missing from the database, {} "
                 "stored events beyond acked_seq, {} sessions differ\n",
                 check.sessions, check.lost, check.extra, check.mismatched_sessions);
      if (check.lost > 0 || check.mismatched_sessions > 0) {
        exit_code = 3;
      }
    } catch (const std::exception& error) {
      std::fprintf(stderr, "loadgen: the database check failed: %s\n", error.what());
      exit_code = 3;
    }
  }
  return exit_code;
}
