// Group commit against a real PostgreSQL: IngestGroupInTransaction must leave
// exactly what IngestEvents leaves, request by request. Cohorts of students
// in two organizations follow the same script of rounds. One cohort sends
// each batch on its own through IngestEvents. The others send each round's
// batches, of both organizations, in one group. Their results, events, chain
// hashes, conflicts, snapshots and submissions must be equal.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <map>
#include <pqxx/pqxx>

#include "exam/crypto.h"
#include "exam/event.h"
#include "exam/event_store.h"
#include "exam/exam_store.h"
#include "exam/roster.h"
#include "exam/session_store.h"
#include "exam/auth.h"
#include "pg_fixture.h"

using exam::testing::MakeExamSpec;
using exam::testing::MakeOrganization;
using exam::testing::ScratchDatabase;
using nlohmann::json;

namespace {

constexpr exam::UnixMillis kStart = 1798790400000;  // 2027-01-01T09:00:00Z
constexpr exam::UnixMillis kDeadline = kStart + 60 * 60 * 1000;
// The last round runs after the deadline plus grace of a student without
// extra time; the others have two more hours.
constexpr exam::UnixMillis kLastRound = kDeadline + exam::kDeadlineGraceMs + 60 * 1000;
constexpr int kExtraMinutes = 120;

json Focus(std::int64_t seq, const char* state = "blur") {
  return {{"seq", seq}, {"type", "focus"}, {"t", kStart + seq}, {"state", state}};
}

json Edit(std::int64_t seq, const char* question, json changes) {
  return {{"seq", seq}, {"type", "edit"}, {"t", kStart + seq}, {"question", question},
          {"changes", std::move(changes)}};
}

json Snapshot(std::int64_t seq, const std::string& text) {
  return {{"seq", seq},          {"type", "snapshot"},         {"t", kStart + seq},
          {"question", "q2"},    {"text", text},               {"sha256", exam::Sha256Hex(text)}};
}

json Submit(std::int64_t seq) { return {{"seq", seq}, {"type", "submit"}, {"t", kStart + seq}}; }

json At(json event, exam::UnixMillis t) {
  event["t"] = t;
  return event;
}

json With(json event, const char* field, json value) {
  event[field] = std::move(value);
  return event;
}

using Batches = std::vector<std::vector<json>>;

// One student's batches per round; two batches in a round put the same exam
// session twice into one group.
struct Scenario {
  const char* name;
  int extra_minutes;
  std::vector<Batches> rounds;
};

std::vector<Scenario> Scenarios() {
  return {
      {"next events", kExtraMinutes,
       {{{Edit(1, "q1", {{13, 17, "return 1"}}), Focus(2), Snapshot(3, "x = 1\n")}},
        {{Edit(4, "q2", {{0, 0, "y"}}), Focus(5, "focus")}},
        {{Focus(6)}}}},
      {"gap, then the missing event", kExtraMinutes,
       {{{Focus(1), Focus(3)}}, {{Focus(2)}}, {{Focus(4)}}}},
      {"resend overlapping the stored events", kExtraMinutes,
       {{{Focus(1), Focus(2)}}, {{Focus(1), Focus(2), Focus(3)}}, {{Focus(3), Focus(4)}}}},
      {"reused seq with other content", kExtraMinutes,
       {{{Focus(1, "blur")}}, {{Focus(1, "focus"), Focus(2)}}, {{Focus(3)}}}},
      {"submit, then an event after it", kExtraMinutes,
       {{{Edit(1, "q1", {{13, 17, "return 'é'"}})}}, {{Submit(2)}}, {{Focus(3)}}}},
      {"unknown question", kExtraMinutes,
       {{{Edit(1, "q9", {{0, 0, "x"}})}}, {{Focus(1)}}, {}}},
      {"floating-point and negative-zero fields", kExtraMinutes,
       {{{With(Focus(1), "extra", 1.5)}}, {{With(Focus(2), "extra", -0.0)}}, {{Focus(3)}}}},
      {"one session twice in a group", kExtraMinutes,
       {{{Focus(1)}, {Focus(2), Focus(3)}}, {{Focus(4)}, {Focus(4)}}, {}}},
      {"deadline plus grace passes", 0,
       {{{Focus(1)}},
        {{Focus(2)}},
        {{At(Focus(3), kDeadline + 30 * 1000)},
         {At(Focus(4), kDeadline + exam::kDeadlineGraceMs + 1000)}}}},
      {"text with quotes, backslashes, braces and NULL", kExtraMinutes,
       {{{Edit(1, "q1", {{13, 17, "s = \"{a,b}\" + '\\\\' + \"NULL\""}}),
          Snapshot(2, "{\"NULL\", \\N, ''}\n\ttab"), With(Focus(3), "note", "")}},
        {{With(Focus(4), "note", "NULL")}},
        {}}},
      {"submit before the events it follows", kExtraMinutes,
       {{{Submit(3)}}, {{Edit(1, "q1", {{13, 17, "return 2"}}), Focus(2)}}, {}}},
  };
}

struct Student {
  exam::StudentPrincipal principal;
  const Scenario* scenario;
};

// One organization's students: one per scenario.
std::vector<Student> JoinCohort(ScratchDatabase& db, const exam::Clock& clock,
                                const std::string& slug, const std::vector<Scenario>& scenarios) {
  auto organization = MakeOrganization(db, slug);
  REQUIRE(exam::CreateExam(db.app(), organization.instructor, MakeExamSpec("midterm")).ok());
  REQUIRE(exam::PublishExam(db.app(), organization.instructor, "midterm").ok());
  std::vector<exam::RosterRow> entries;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    entries.push_back({fmt::format("s{}", i), fmt::format("Student {}", i),
                       fmt::format("s{}@{}.example.edu", i, slug), scenarios[i].extra_minutes});
  }
  auto roster = exam::ImportRoster(db.app(), organization.instructor, "midterm", entries);
  REQUIRE(roster.ok());
  std::vector<Student> students;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    auto state =
        exam::JoinExam(db.app(), (*roster)["entries"][i]["invite"].get<std::string>(), clock);
    REQUIRE(state.ok());
    auto principal =
        exam::AuthenticateSessionToken(db.app(), (*state)["session_token"].get<std::string>());
    REQUIRE(principal.ok());
    students.push_back({*principal, &scenarios[i]});
  }
  return students;
}

std::vector<exam::Event> Parse(const std::vector<json>& events) {
  auto parsed = exam::ParseEventBatch(json{{"events", events}}.dump());
  if (!parsed.ok()) {
    FAIL(parsed.error().message);
  }
  return *parsed;
}

// A result as text, so that two can be compared and shown.
std::string Describe(const exam::Result<exam::IngestResult>& result) {
  if (!result.ok()) {
    return fmt::format("error {}", static_cast<int>(result.error().code));
  }
  return exam::IngestResultToJson(*result).dump();
}

// Everything stored for one exam session that ingestion writes, without ids.
std::string StoredSession(ScratchDatabase& db, std::int64_t session_id) {
  json stored;
  exam::Status status = db.owner().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    const pqxx::row session = txn.exec_params1(
        "SELECT acked_seq, coalesce(submit_seq, 0), submitted_at IS NOT NULL, "
        "       encode(chain_head, 'hex') FROM exam_sessions WHERE id = $1",
        session_id);
    stored["session"] = {session[0].as<std::int64_t>(), session[1].as<std::int64_t>(),
                         session[2].as<bool>(), session[3].as<std::string>()};
    const std::vector<std::pair<const char*, const char*>> queries = {
        {"events",
         "SELECT seq || ' ' || type || ' ' || coalesce(question_key, '-') || ' ' || "
         "       payload::text || ' ' || coalesce(encode(chain_hash, 'hex'), '-') "
         "  FROM events WHERE session_id = $1 ORDER BY seq"},
        {"conflicts",
         "SELECT seq || ' ' || payload::text FROM event_conflicts WHERE session_id = $1 "
         "ORDER BY seq"},
        {"snapshots",
         "SELECT seq || ' ' || question_key || ' ' || text || ' ' || sha256 FROM snapshots "
         "WHERE session_id = $1 ORDER BY seq"},
        {"submissions",
         "SELECT question_key || ' ' || text FROM submissions WHERE session_id = $1 "
         "ORDER BY question_key"},
    };
    for (const auto& [name, sql] : queries) {
      stored[name] = json::array();
      for (const pqxx::row& row : txn.exec_params(sql, session_id)) {
        stored[name].push_back(row[0].as<std::string>());
      }
    }
    return {};
  });
  REQUIRE(status.ok());
  return stored.dump(1);
}

// Runs one round of `cohort` in one group and returns its results in the
// order of the cohort's students and their batches.
exam::IngestGroupResult SendRound(pqxx::connection& connection, const std::vector<Student>& cohort,
                                  std::size_t round, exam::UnixMillis now, exam::GroupMode mode) {
  std::vector<std::vector<exam::Event>> batches;
  std::vector<const Student*> senders;
  for (const Student& student : cohort) {
    for (const auto& batch : student.scenario->rounds[round]) {
      batches.push_back(Parse(batch));
      senders.push_back(&student);
    }
  }
  std::vector<exam::IngestRequest> requests;
  for (std::size_t i = 0; i < batches.size(); ++i) {
    requests.push_back({&senders[i]->principal, &batches[i]});
  }
  pqxx::work txn(connection);
  exam::IngestGroupResult group = exam::IngestGroupInTransaction(txn, requests, now, nullptr, mode);
  txn.commit();
  return group;
}

}  // namespace

TEST_CASE("group stores what single requests store") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  const std::vector<Scenario> scenarios = Scenarios();
  // Each cohort has a student per scenario in each of two organizations.
  auto join = [&](const std::string& name) {
    std::vector<Student> cohort = JoinCohort(db, clock, name + "-one", scenarios);
    for (Student& student : JoinCohort(db, clock, name + "-two", scenarios)) {
      cohort.push_back(student);
    }
    return cohort;
  };
  const std::vector<Student> single = join("single");
  const std::vector<Student> together = join("together");
  const std::vector<Student> alone = join("alone");

  pqxx::connection connection(db.AppUrl());
  const std::vector<exam::UnixMillis> round_times = {kStart + 1000, kStart + 2000, kLastRound};
  // Requests the set-based statements store per round, in both
  // organizations: a batch that starts right after acked_seq, without a
  // submit or a floating-point number, for an open session without a gap.
  const std::vector<std::size_t> expected_together = {14, 10, 8};
  for (std::size_t round = 0; round < round_times.size(); ++round) {
    clock.Set(round_times[round]);
    std::vector<std::string> expected;
    for (const Student& student : single) {
      for (const auto& batch : student.scenario->rounds[round]) {
        expected.push_back(
            Describe(exam::IngestEvents(db.app(), student.principal, Parse(batch), clock)));
      }
    }
    const exam::IngestGroupResult grouped =
        SendRound(connection, together, round, clock.Now(), exam::GroupMode::kTogether);
    const exam::IngestGroupResult each_alone =
        SendRound(connection, alone, round, clock.Now(), exam::GroupMode::kEachAlone);
    CHECK(grouped.stored_together == expected_together[round]);
    CHECK(each_alone.stored_together == 0);

    // The cohorts list their students in the same order.
    REQUIRE(grouped.results.size() == expected.size());
    REQUIRE(each_alone.results.size() == expected.size());
    for (std::size_t r = 0; r < expected.size(); ++r) {
      INFO("round " << round << ", request " << r);
      CHECK(Describe(grouped.results[r]) == expected[r]);
      CHECK(Describe(each_alone.results[r]) == expected[r]);
    }
  }

  for (std::size_t i = 0; i < single.size(); ++i) {
    INFO("scenario \"" << single[i].scenario->name << "\"");
    const std::string stored = StoredSession(db, single[i].principal.session_id);
    CHECK(StoredSession(db, together[i].principal.session_id) == stored);
    CHECK(StoredSession(db, alone[i].principal.session_id) == stored);
  }
}

TEST_CASE("failed group statement falls back") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  // One scenario: a batch of next events, which the set-based statements take.
  const std::vector<Scenario> scenarios = {
      {"next events", 0, {{{Focus(1), Focus(2)}}}},
      {"next events with a rejected payload", 0, {{{With(Focus(1), "marker", "reject")}}}},
  };
  const std::vector<Student> cohort = JoinCohort(db, clock, "fault", scenarios);
  // A trigger rejects one event, as a constraint added later might.
  db.ExecAsSuperuser(
      "CREATE FUNCTION reject_marked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "  IF NEW.payload->>'marker' = 'reject' THEN RAISE EXCEPTION 'rejected by the test'; END IF; "
      "  RETURN NEW; END $$; "
      "CREATE TRIGGER reject_marked BEFORE INSERT ON events FOR EACH ROW "
      "EXECUTE FUNCTION reject_marked()");

  pqxx::connection connection(db.AppUrl());
  CHECK_THROWS_AS(SendRound(connection, cohort, 0, kStart + 1000, exam::GroupMode::kTogether),
                  pqxx::sql_error);
  CHECK(StoredSession(db, cohort[0].principal.session_id).find("blur") == std::string::npos);

  const exam::IngestGroupResult alone =
      SendRound(connection, cohort, 0, kStart + 1000, exam::GroupMode::kEachAlone);
  REQUIRE(alone.results.size() == 2);
  REQUIRE(alone.results[0].ok());
  CHECK(alone.results[0]->acked_seq == 2);
  REQUIRE_FALSE(alone.results[1].ok());
  CHECK(alone.results[1].error().code == exam::ErrorCode::kInternal);
  CHECK(StoredSession(db, cohort[1].principal.session_id).find("reject") == std::string::npos);
}
