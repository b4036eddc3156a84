// Storage against a real PostgreSQL: migrations, exams and rosters, joining
// an exam, idempotent event ingestion, acknowledgement and submission.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "exam/auth.h"
#include "exam/crypto.h"
#include "exam/event.h"
#include "exam/event_store.h"
#include "exam/exam_store.h"
#include "exam/migrations.h"
#include "exam/plan.h"
#include "exam/roster.h"
#include "exam/session_store.h"
#include "exam/token_store.h"
#include "pg_fixture.h"

using exam::testing::MakeExamSpec;
using exam::testing::MakeOrganization;
using exam::testing::ScratchDatabase;
using nlohmann::json;

namespace {

constexpr exam::UnixMillis kStart = 1798790400000;  // 2027-01-01T09:00:00Z

// A published exam with one student on the roster, joined at kStart.
struct JoinedStudent {
  exam::testing::TestOrganization organization;
  std::string invite;
  std::string session_token;
  exam::StudentPrincipal principal;
  json state;
};

JoinedStudent Join(ScratchDatabase& db, const exam::Clock& clock, int extra_minutes = 0) {
  JoinedStudent joined;
  joined.organization = MakeOrganization(db, "org-one");
  const auto& staff = joined.organization.instructor;
  REQUIRE(exam::CreateExam(db.app(), staff, MakeExamSpec("midterm")).ok());
  REQUIRE(exam::PublishExam(db.app(), staff, "midterm").ok());
  auto roster = exam::ImportRoster(db.app(), staff, "midterm",
                                   {{"s1", "Ada Lovelace", "ada@example.edu", extra_minutes}});
  REQUIRE(roster.ok());
  joined.invite = (*roster)["entries"][0]["invite"].get<std::string>();

  auto state = exam::JoinExam(db.app(), joined.invite, clock);
  REQUIRE(state.ok());
  joined.state = *state;
  joined.session_token = (*state)["session_token"].get<std::string>();
  auto principal = exam::AuthenticateSessionToken(db.app(), joined.session_token);
  REQUIRE(principal.ok());
  joined.principal = *principal;
  return joined;
}

std::vector<exam::Event> Batch(const std::vector<json>& events) {
  json body;
  body["events"] = events;
  auto parsed = exam::ParseEventBatch(body.dump());
  INFO(body.dump());
  if (!parsed.ok()) {
    INFO(parsed.error().message);
  }
  REQUIRE(parsed.ok());
  return *parsed;
}

json Edit(std::int64_t seq, const char* question, json changes) {
  return {{"seq", seq}, {"type", "edit"}, {"t", kStart + seq}, {"question", question},
          {"changes", changes}};
}

json Focus(std::int64_t seq, const char* state) {
  return {{"seq", seq}, {"type", "focus"}, {"t", kStart + seq}, {"state", state}};
}

int CountRows(ScratchDatabase& db, exam::OrgId org, const std::string& sql) {
  int count = -1;
  exam::Status status = db.app().InTenant(org, [&](pqxx::transaction_base& txn) -> exam::Status {
    count = txn.exec1(sql)[0].as<int>();
    return {};
  });
  REQUIRE(status.ok());
  return count;
}

}  // namespace

TEST_CASE("migrations apply once") {
  ScratchDatabase db;
  auto again = exam::ApplyMigrations(db.owner());
  REQUIRE(again.ok());
  CHECK(again->applied.empty());
  CHECK(again->already == exam::KnownMigrations());
}

TEST_CASE("exam slug is unique per organization only") {
  ScratchDatabase db;
  auto first = MakeOrganization(db, "org-one");
  auto second = MakeOrganization(db, "org-two");
  REQUIRE(exam::CreateExam(db.app(), first.instructor, MakeExamSpec("midterm")).ok());
  auto duplicate = exam::CreateExam(db.app(), first.instructor, MakeExamSpec("midterm"));
  REQUIRE_FALSE(duplicate.ok());
  CHECK(duplicate.error().code == exam::ErrorCode::kConflict);
  CHECK(exam::CreateExam(db.app(), second.instructor, MakeExamSpec("midterm")).ok());
}

TEST_CASE("join computes the deadline on the server") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock, 15);
  const json& session = joined.state["session"];
  CHECK(session["started_at"] == exam::FormatRfc3339(kStart));
  CHECK(session["deadline"] == exam::FormatRfc3339(kStart + (60 + 15) * 60 * 1000));
  CHECK(session["next_seq"] == 1);
  CHECK(joined.state["texts"]["q1"] == "def f():\n    pass\n");

  SECTION("joining again returns the same session with a new token") {
    clock.Advance(5 * 60 * 1000);
    auto again = exam::JoinExam(db.app(), joined.invite, clock);
    REQUIRE(again.ok());
    CHECK((*again)["session"]["id"] == session["id"]);
    CHECK((*again)["session"]["deadline"] == session["deadline"]);
    CHECK((*again)["session_token"] != joined.session_token);
  }
}

TEST_CASE("join of a draft exam is a conflict") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  auto organization = MakeOrganization(db, "org-one");
  REQUIRE(exam::CreateExam(db.app(), organization.instructor, MakeExamSpec("midterm")).ok());
  auto roster = exam::ImportRoster(db.app(), organization.instructor, "midterm",
                                   {{"s1", "Ada", "", 0}});
  REQUIRE(roster.ok());
  auto joined = exam::JoinExam(db.app(), (*roster)["entries"][0]["invite"].get<std::string>(), clock);
  REQUIRE_FALSE(joined.ok());
  CHECK(joined.error().code == exam::ErrorCode::kConflict);
}

TEST_CASE("unknown invite is not found") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  auto joined = exam::JoinExam(db.app(), exam::NewSecret("inv_"), clock);
  REQUIRE_FALSE(joined.ok());
  CHECK(joined.error().code == exam::ErrorCode::kNotFound);
}

TEST_CASE("concurrent joins of one invite make one session") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (!exam::JoinExam(db.app(), joined.invite, clock).ok()) {
        ++failures;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(failures == 0);
  CHECK(CountRows(db, joined.organization.id, "SELECT count(*) FROM exam_sessions") == 1);
}

TEST_CASE("same batch sent twice is stored once") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);
  const auto batch = Batch({Edit(1, "q1", {{17, 21, "return 1"}}), Focus(2, "blur")});

  for (int attempt = 0; attempt < 3; ++attempt) {
    auto result = exam::IngestEvents(db.app(), joined.principal, batch, clock);
    REQUIRE(result.ok());
    CHECK(result->acked_seq == 2);
    CHECK(result->conflicts.empty());
  }
  CHECK(CountRows(db, joined.organization.id, "SELECT count(*) FROM events") == 2);
}

TEST_CASE("event with reused seq and new payload is a conflict") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);
  REQUIRE(exam::IngestEvents(db.app(), joined.principal, Batch({Focus(1, "blur")}), clock).ok());

  auto result = exam::IngestEvents(db.app(), joined.principal, Batch({Focus(1, "focus")}), clock);
  REQUIRE(result.ok());
  CHECK(result->conflicts == std::vector<std::int64_t>{1});
  CHECK(CountRows(db, joined.organization.id, "SELECT count(*) FROM event_conflicts") == 1);
  CHECK(CountRows(db, joined.organization.id,
                  "SELECT count(*) FROM events WHERE payload->>'state' = 'blur'") == 1);
}

TEST_CASE("gaps hold back the acknowledgement") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);

  auto first = exam::IngestEvents(db.app(), joined.principal,
                                  Batch({Focus(1, "blur"), Focus(4, "focus"), Focus(6, "blur")}),
                                  clock);
  REQUIRE(first.ok());
  CHECK(first->acked_seq == 1);
  using Range = std::pair<std::int64_t, std::int64_t>;
  CHECK(first->missing == std::vector<Range>{{2, 3}, {5, 5}});

  auto second = exam::IngestEvents(db.app(), joined.principal,
                                   Batch({Focus(2, "focus"), Focus(3, "blur"), Focus(5, "focus")}),
                                   clock);
  REQUIRE(second.ok());
  CHECK(second->acked_seq == 6);
  CHECK(second->missing.empty());
}

TEST_CASE("submit stores the replayed text") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);
  // "def f():\n    pass\n": "pass" spans UTF-16 offsets 13 to 17.
  const json submit = {{"seq", 4}, {"type", "submit"}, {"t", kStart + 4}};

  // The submit arrives before the edit it depends on: nothing is final yet.
  auto early = exam::IngestEvents(db.app(), joined.principal, Batch({submit}), clock);
  REQUIRE(early.ok());
  CHECK_FALSE(early->submitted);

  auto done = exam::IngestEvents(
      db.app(), joined.principal,
      Batch({Edit(1, "q1", {{13, 17, "return 'é'"}}), Edit(2, "q2", {{0, 0, "x = 1\n"}}),
             Focus(3, "blur")}),
      clock);
  REQUIRE(done.ok());
  CHECK(done->acked_seq == 4);
  CHECK(done->submitted);

  std::string q1;
  exam::Status status = db.app().InTenant(joined.organization.id, [&](pqxx::transaction_base& txn) -> exam::Status {
    q1 = txn.exec1("SELECT text FROM submissions WHERE question_key = 'q1'")[0].as<std::string>();
    return {};
  });
  REQUIRE(status.ok());
  CHECK(q1 == "def f():\n    return 'é'\n");

  SECTION("events after the submit are refused") {
    auto late = exam::IngestEvents(db.app(), joined.principal, Batch({Focus(5, "focus")}), clock);
    REQUIRE_FALSE(late.ok());
    CHECK(late.error().code == exam::ErrorCode::kConflict);
  }
}

TEST_CASE("submit replays each question from its last snapshot") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);
  auto snapshot = [](std::int64_t seq, const char* question, const std::string& text) {
    return json{{"seq", seq},           {"type", "snapshot"}, {"t", kStart + seq},
                {"question", question}, {"text", text},       {"sha256", exam::Sha256Hex(text)}};
  };
  // q1 starts as "def f():\n    pass\n". Its first snapshot differs from the
  // replayed text, so it is adopted. The edit at seq 5 lies outside the text
  // and fails. A second snapshot replaces everything before it. q2 has edits
  // before and after its only snapshot.
  auto done = exam::IngestEvents(
      db.app(), joined.principal,
      Batch({Edit(1, "q1", {{13, 17, "return 1"}}), Edit(2, "q2", {{0, 0, "x = 1\n"}}),
             snapshot(3, "q1", "def f():\n    return 2\n"),
             Edit(4, "q1", {{13, 21, "return 3"}}), Edit(5, "q1", {{100, 200, "lost"}}),
             snapshot(6, "q2", "y = 2\n"), Edit(7, "q2", {{0, 0, "# hi\n"}}),
             snapshot(8, "q1", "def g():\n    return 3\n"),
             Edit(9, "q1", {{0, 0, "# top\n"}}),
             {{"seq", 10}, {"type", "submit"}, {"t", kStart + 10}}}),
      clock);
  REQUIRE(done.ok());
  REQUIRE(done->submitted);

  std::map<std::string, std::string> texts;
  exam::Status status =
      db.app().InTenant(joined.organization.id, [&](pqxx::transaction_base& txn) -> exam::Status {
        for (const pqxx::row& row : txn.exec("SELECT question_key, text FROM submissions")) {
          texts[row[0].as<std::string>()] = row[1].as<std::string>();
        }
        return {};
      });
  REQUIRE(status.ok());
  CHECK(texts["q1"] == "# top\ndef g():\n    return 3\n");
  CHECK(texts["q2"] == "# hi\ny = 2\n");

  // The page replays the whole session to the same texts.
  auto state = exam::JoinExam(db.app(), joined.invite, clock);
  REQUIRE(state.ok());
  CHECK((*state)["texts"]["q1"] == texts["q1"]);
  CHECK((*state)["texts"]["q2"] == texts["q2"]);
}

TEST_CASE("state replays stored edits for another device") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);
  REQUIRE(exam::IngestEvents(db.app(), joined.principal,
                             Batch({Edit(1, "q2", {{0, 0, "print('hi')"}}),
                                    Edit(2, "q2", {{0, 5, "input"}, {9, 11, "?')"}})}),
                             clock)
              .ok());
  auto state = exam::GetSessionState(db.app(), joined.principal, clock);
  REQUIRE(state.ok());
  CHECK((*state)["texts"]["q2"] == "input('hi?')");
  CHECK((*state)["session"]["next_seq"] == 3);
}

TEST_CASE("event naming an unknown question is rejected") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);
  auto result = exam::IngestEvents(db.app(), joined.principal,
                                   Batch({Edit(1, "q9", {{0, 0, "x"}})}), clock);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == exam::ErrorCode::kInvalidArgument);
  CHECK(CountRows(db, joined.organization.id, "SELECT count(*) FROM events") == 0);
}

TEST_CASE("expired and unknown API tokens are refused") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  MakeOrganization(db, "org-one");
  auto token = exam::CreateApiToken(db.owner(), "org-one", "instructor@org-one.example.edu", 1,
                                    "laptop", clock);
  REQUIRE(token.ok());

  CHECK(exam::AuthenticateApiToken(db.app(), token->secret, clock).ok());
  CHECK_FALSE(exam::AuthenticateApiToken(db.app(), exam::NewSecret("ect_"), clock).ok());
  clock.Advance(86400 * 1000 + 1);
  auto expired = exam::AuthenticateApiToken(db.app(), token->secret, clock);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().code == exam::ErrorCode::kUnauthenticated);
}

TEST_CASE("stored secrets are hashes only") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);
  const std::string invite_hash = exam::Sha256Hex(joined.invite);
  exam::Status status = db.owner().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    CHECK(txn.exec1("SELECT encode(invite_hash, 'hex') FROM roster_entries")[0].as<std::string>() ==
          invite_hash);
    CHECK(txn.exec_params1("SELECT count(*) FROM session_tokens WHERE token_hash = "
                           "decode($1, 'hex')",
                           exam::Sha256Hex(joined.session_token))[0]
              .as<int>() == 1);
    return {};
  });
  REQUIRE(status.ok());
}

TEST_CASE("events made after deadline plus grace are refused") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  JoinedStudent joined = Join(db, clock);
  const exam::UnixMillis deadline = kStart + 60 * 60 * 1000;
  clock.Set(deadline + exam::kDeadlineGraceMs + 60 * 1000);

  json in_time = Focus(1, "blur");
  in_time["t"] = deadline + 30 * 1000;
  auto late_delivery = exam::IngestEvents(db.app(), joined.principal, Batch({in_time}), clock);
  REQUIRE(late_delivery.ok());
  CHECK(late_delivery->acked_seq == 1);

  json too_late = Focus(2, "focus");
  too_late["t"] = deadline + exam::kDeadlineGraceMs + 1000;
  auto refused = exam::IngestEvents(db.app(), joined.principal, Batch({too_late}), clock);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == exam::ErrorCode::kConflict);
  CHECK(CountRows(db, joined.organization.id, "SELECT count(*) FROM events") == 1);
}

TEST_CASE("concurrent starts at the seat limit admit one") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  auto organization = MakeOrganization(db, "org-one");
  REQUIRE(exam::SetPlan(db.owner(), "org-one", 10, std::nullopt).ok());
  const auto& staff = organization.instructor;
  REQUIRE(exam::CreateExam(db.app(), staff, MakeExamSpec("midterm")).ok());
  REQUIRE(exam::PublishExam(db.app(), staff, "midterm").ok());
  std::vector<exam::RosterRow> rows;
  for (int i = 0; i < 59; ++i) {
    rows.push_back({fmt::format("s{}", i), fmt::format("Student {}", i), "", 0});
  }
  auto roster = exam::ImportRoster(db.app(), staff, "midterm", rows);
  REQUIRE(roster.ok());
  std::vector<std::string> invites;
  for (const json& entry : (*roster)["entries"]) {
    invites.push_back(entry["invite"].get<std::string>());
  }
  for (int i = 0; i < 9; ++i) {
    REQUIRE(exam::JoinExam(db.app(), invites[i], clock).ok());
  }

  std::atomic<int> admitted{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int i = 9; i < 59; ++i) {
    threads.emplace_back([&, i] {
      auto joined = exam::JoinExam(db.app(), invites[i], clock);
      if (joined.ok()) {
        ++admitted;
      } else if (joined.error().code == exam::ErrorCode::kConflict) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(admitted == 1);
  CHECK(refused == 49);
  CHECK(other == 0);
  CHECK(CountRows(db, organization.id, "SELECT count(*) FROM exam_sessions") == 10);
}

TEST_CASE("finished exam sessions free their seats") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  auto organization = MakeOrganization(db, "org-one");
  REQUIRE(exam::SetPlan(db.owner(), "org-one", 2, std::nullopt).ok());
  const auto& staff = organization.instructor;
  REQUIRE(exam::CreateExam(db.app(), staff, MakeExamSpec("midterm")).ok());
  REQUIRE(exam::PublishExam(db.app(), staff, "midterm").ok());
  // s0 has the exam's 60 minutes; s1 and the others have two hours more.
  std::vector<exam::RosterRow> rows = {{"s0", "Student 0", "", 0}};
  for (int i = 1; i < 5; ++i) {
    rows.push_back({fmt::format("s{}", i), fmt::format("Student {}", i), "", 120});
  }
  auto roster = exam::ImportRoster(db.app(), staff, "midterm", rows);
  REQUIRE(roster.ok());
  auto invite = [&](int i) { return (*roster)["entries"][i]["invite"].get<std::string>(); };

  auto first = exam::JoinExam(db.app(), invite(0), clock);
  REQUIRE(first.ok());
  auto second = exam::JoinExam(db.app(), invite(1), clock);
  REQUIRE(second.ok());
  auto full = exam::JoinExam(db.app(), invite(2), clock);
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == exam::ErrorCode::kConflict);
  // Joining again with an invite that has a session takes no seat.
  CHECK(exam::JoinExam(db.app(), invite(1), clock).ok());

  // s1 submits: its seat is free again.
  auto s1 = exam::AuthenticateSessionToken(db.app(), (*second)["session_token"].get<std::string>());
  REQUIRE(s1.ok());
  REQUIRE(exam::IngestEvents(db.app(), *s1, Batch({{{"seq", 1}, {"type", "submit"},
                                                    {"t", kStart + 1}}}),
                             clock)
              .ok());
  CHECK(exam::JoinExam(db.app(), invite(2), clock).ok());
  CHECK_FALSE(exam::JoinExam(db.app(), invite(3), clock).ok());

  // s0's deadline passes without a submit: its seat is free too.
  clock.Set(kStart + 61 * 60 * 1000);
  CHECK(exam::JoinExam(db.app(), invite(3), clock).ok());
  CHECK_FALSE(exam::JoinExam(db.app(), invite(4), clock).ok());
  CHECK(CountRows(db, organization.id, "SELECT count(*) FROM exam_sessions") == 4);
}

TEST_CASE("exam limit refuses one exam too many") {
  ScratchDatabase db;
  auto organization = MakeOrganization(db, "org-one");
  REQUIRE(exam::SetPlan(db.owner(), "org-one", std::nullopt, 1).ok());
  REQUIRE(exam::CreateExam(db.app(), organization.instructor, MakeExamSpec("first")).ok());
  auto second = exam::CreateExam(db.app(), organization.instructor, MakeExamSpec("second"));
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == exam::ErrorCode::kConflict);
}

TEST_CASE("token cannot mint more rights than its own") {
  ScratchDatabase db;
  exam::FakeClock clock(kStart);
  auto organization = MakeOrganization(db, "org-one");
  const auto& staff = organization.instructor;

  auto admin_token =
      exam::CreateOwnApiToken(db.app(), staff, "laptop", exam::StaffRole::kAdmin, 30, clock);
  REQUIRE_FALSE(admin_token.ok());
  CHECK(admin_token.error().code == exam::ErrorCode::kForbidden);

  auto ta_token = exam::CreateOwnApiToken(db.app(), staff, "grader", exam::StaffRole::kTa, 30, clock);
  REQUIRE(ta_token.ok());
  auto principal =
      exam::AuthenticateApiToken(db.app(), (*ta_token)["token"].get<std::string>(), clock);
  REQUIRE(principal.ok());
  CHECK(principal->role == exam::StaffRole::kTa);

  auto escalate = exam::CreateOwnApiToken(db.app(), *principal, "again",
                                          exam::StaffRole::kInstructor, 30, clock);
  REQUIRE_FALSE(escalate.ok());
  CHECK(escalate.error().code == exam::ErrorCode::kForbidden);

  REQUIRE(exam::RevokeApiToken(db.app(), staff, (*ta_token)["id"].get<std::int64_t>(), clock).ok());
  auto revoked =
      exam::AuthenticateApiToken(db.app(), (*ta_token)["token"].get<std::string>(), clock);
  REQUIRE_FALSE(revoked.ok());
  CHECK(revoked.error().code == exam::ErrorCode::kUnauthenticated);
  CHECK(CountRows(db, organization.id,
                  "SELECT count(*) FROM audit_log WHERE action LIKE 'api_token.%'") == 2);
}

TEST_CASE("TA sees only exams they are assigned to") {
  ScratchDatabase db;
  auto organization = MakeOrganization(db, "org-one");
  auto ta_user = exam::CreateStaffUser(db.owner(), "org-one", "ta@org-one.example.edu",
                                       exam::StaffRole::kTa, "TA", std::nullopt, false);
  REQUIRE(ta_user.ok());
  auto other_instructor =
      exam::CreateStaffUser(db.owner(), "org-one", "other@org-one.example.edu",
                            exam::StaffRole::kInstructor, "Other", std::nullopt, false);
  REQUIRE(other_instructor.ok());
  const exam::StaffPrincipal ta{organization.id, ta_user->id, exam::StaffRole::kTa, 0};
  const exam::StaffPrincipal other{organization.id, other_instructor->id,
                                   exam::StaffRole::kInstructor, 0};
  REQUIRE(exam::CreateExam(db.app(), organization.instructor, MakeExamSpec("midterm")).ok());

  auto hidden = exam::GetExam(db.app(), ta, "midterm");
  REQUIRE_FALSE(hidden.ok());
  CHECK(hidden.error().code == exam::ErrorCode::kNotFound);
  CHECK(exam::ListExams(db.app(), ta)->empty());
  CHECK_FALSE(exam::GetExam(db.app(), other, "midterm").ok());
  CHECK(exam::ListSessions(db.app(), ta, "midterm").error().code == exam::ErrorCode::kNotFound);

  auto refused = exam::AssignExamStaff(db.app(), ta, "midterm", "ta@org-one.example.edu", "ta");
  REQUIRE_FALSE(refused.ok());
  REQUIRE(exam::AssignExamStaff(db.app(), organization.instructor, "midterm",
                                "ta@org-one.example.edu", "ta")
              .ok());
  CHECK(exam::GetExam(db.app(), ta, "midterm").ok());
  CHECK(exam::ListExams(db.app(), ta)->size() == 1);
  CHECK(exam::ListSessions(db.app(), ta, "midterm").ok());
  CHECK_FALSE(exam::GetExam(db.app(), other, "midterm").ok());
}
