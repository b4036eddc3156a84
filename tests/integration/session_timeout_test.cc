// Exam sessions that time out, against a real PostgreSQL. Once the deadline
// plus grace has passed without a submit, the sweep stores the submission
// replayed from the stored events, with submitted_at at the deadline. It does
// so once, for each organization under its own tenant. A FakeClock sets "now".
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <pqxx/pqxx>

#include "exam/auth.h"
#include "exam/crypto.h"
#include "exam/event.h"
#include "exam/event_store.h"
#include "exam/evidence.h"
#include "exam/exam_store.h"
#include "exam/roster.h"
#include "exam/session_store.h"
#include "exam/session_timeout.h"
#include "pg_fixture.h"

using exam::testing::MakeExamSpec;
using exam::testing::MakeOrganization;
using exam::testing::MakeSigningKey;
using exam::testing::ScratchDatabase;
using nlohmann::json;

namespace {

constexpr exam::UnixMillis kStart = 1798790400000;  // 2027-01-01T09:00:00Z
// MakeExamSpec's exams last 60 minutes.
constexpr exam::UnixMillis kDeadline = kStart + 60 * 60 * 1000;
constexpr exam::UnixMillis kClosesAt = kDeadline + exam::kDeadlineGraceMs;

// An organization with a published exam ("midterm") and one joined student
// per entry of `extra_minutes`, all joined at kStart.
struct Cohort {
  exam::testing::TestOrganization organization;
  std::vector<exam::StudentPrincipal> students;
};

Cohort JoinCohort(ScratchDatabase& db, const std::string& slug,
                  const std::vector<int>& extra_minutes) {
  exam::FakeClock clock(kStart);
  Cohort cohort;
  cohort.organization = MakeOrganization(db, slug);
  const auto& staff = cohort.organization.instructor;
  REQUIRE(exam::CreateExam(db.app(), staff, MakeExamSpec("midterm")).ok());
  REQUIRE(exam::PublishExam(db.app(), staff, "midterm").ok());
  std::vector<exam::RosterRow> rows;
  for (std::size_t i = 0; i < extra_minutes.size(); ++i) {
    rows.push_back({fmt::format("s{}", i), fmt::format("Student {}", i), "", extra_minutes[i]});
  }
  auto roster = exam::ImportRoster(db.app(), staff, "midterm", rows);
  REQUIRE(roster.ok());
  for (const json& entry : (*roster)["entries"]) {
    auto joined = exam::JoinExam(db.app(), entry["invite"].get<std::string>(), clock);
    REQUIRE(joined.ok());
    auto student =
        exam::AuthenticateSessionToken(db.app(), (*joined)["session_token"].get<std::string>());
    REQUIRE(student.ok());
    cohort.students.push_back(*student);
  }
  return cohort;
}

std::vector<exam::Event> Batch(const std::vector<json>& events) {
  auto parsed = exam::ParseEventBatch(json{{"events", events}}.dump());
  if (!parsed.ok()) {
    FAIL(parsed.error().message);
  }
  return *parsed;
}

json Edit(std::int64_t seq, const char* question, json changes, exam::UnixMillis t) {
  return {{"seq", seq},
          {"type", "edit"},
          {"t", t},
          {"question", question},
          {"changes", std::move(changes)}};
}

json Focus(std::int64_t seq, exam::UnixMillis t) {
  return {{"seq", seq}, {"type", "focus"}, {"t", t}, {"state", "blur"}};
}

json Snapshot(std::int64_t seq, const char* question, const std::string& text, exam::UnixMillis t) {
  return {{"seq", seq},           {"type", "snapshot"}, {"t", t},
          {"question", question}, {"text", text},       {"sha256", exam::Sha256Hex(text)}};
}

json Submit(std::int64_t seq, exam::UnixMillis t) {
  return {{"seq", seq}, {"type", "submit"}, {"t", t}};
}

void Ingest(ScratchDatabase& db, const exam::StudentPrincipal& student,
            const std::vector<json>& events, exam::UnixMillis now) {
  exam::FakeClock clock(now);
  auto result = exam::IngestEvents(db.app(), student, Batch(events), clock);
  if (!result.ok()) {
    FAIL(result.error().message);
  }
}

exam::TimeoutSweepResult Sweep(ScratchDatabase& db, exam::UnixMillis now,
                               const exam::SigningKey& key,
                               const exam::TimeoutSweepOptions& options = {}) {
  auto sweep = exam::EndTimedOutSessions(
      db.app(), now, [&key](std::string_view message) { return key.Sign(message); }, options);
  if (!sweep.ok()) {
    FAIL(sweep.error().message);
  }
  for (const exam::TimeoutFailure& failure : sweep->failures) {
    FAIL(fmt::format("session {} of organization {}: {}", failure.session_id, failure.org_id,
                     failure.error.message));
  }
  return *sweep;
}

// What the sweep writes for one exam session, read as the owner.
struct StoredEnd {
  std::optional<exam::UnixMillis> submitted_at;
  bool submitted_at_deadline = false;  // submitted_at equals the deadline to the microsecond
  std::optional<std::string> ended_by;
  std::optional<std::string> signature;
  std::int64_t acked_seq = 0;
  std::string chain_head;                    // hex
  std::map<std::string, std::string> texts;  // question key to submitted text
  std::map<std::string, exam::UnixMillis> submitted_at_by_question;
  int timeout_audits = 0;
};

StoredEnd ReadEnd(ScratchDatabase& db, std::int64_t session_id) {
  StoredEnd stored;
  exam::Status status = db.owner().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    const pqxx::row session = txn.exec_params1(
        "SELECT (extract(epoch FROM submitted_at) * 1000)::bigint, ended_by, submit_signature, "
        "       acked_seq, encode(chain_head, 'hex'), submitted_at = deadline IS TRUE "
        "  FROM exam_sessions WHERE id = $1",
        session_id);
    if (!session[0].is_null()) {
      stored.submitted_at = session[0].as<std::int64_t>();
    }
    if (!session[1].is_null()) {
      stored.ended_by = session[1].as<std::string>();
    }
    if (!session[2].is_null()) {
      stored.signature = session[2].as<std::string>();
    }
    stored.acked_seq = session[3].as<std::int64_t>();
    stored.chain_head = session[4].as<std::string>();
    stored.submitted_at_deadline = session[5].as<bool>();
    for (const pqxx::row& row : txn.exec_params(
             "SELECT question_key, text, (extract(epoch FROM submitted_at) * 1000)::bigint "
             "  FROM submissions WHERE session_id = $1",
             session_id)) {
      stored.texts[row[0].as<std::string>()] = row[1].as<std::string>();
      stored.submitted_at_by_question[row[0].as<std::string>()] = row[2].as<std::int64_t>();
    }
    stored.timeout_audits =
        txn.exec_params1(
               "SELECT count(*) FROM audit_log WHERE action = 'session.timeout' "
               "   AND object_id = $1 AND actor_kind = 'system'",
               session_id)[0]
            .as<int>();
    return {};
  });
  REQUIRE(status.ok());
  return stored;
}

// "def f():\n    pass\n" is q1's starter: "pass" spans UTF-16 offsets 13 to 17.
const std::vector<json> kTypedBeforeDeadline = {
    Edit(1, "q1", {{13, 17, "return 'é'"}}, kStart + 1000),
    Edit(2, "q2", {{0, 0, "x = 1\n"}}, kStart + 2000),
    Focus(3, kStart + 3000),
    Edit(4, "q2", {{6, 6, "y = 2\n"}}, kDeadline - 1000),
};
const char* const kQ1AtDeadline = "def f():\n    return 'é'\n";
const char* const kQ2AtDeadline = "x = 1\ny = 2\n";

}  // namespace

TEST_CASE("timed-out session gets its replayed submission") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  Cohort cohort = JoinCohort(db, "org-one", {0});
  const exam::StudentPrincipal& student = cohort.students[0];
  Ingest(db, student, kTypedBeforeDeadline, kDeadline - 500);
  // Seq 6 waits behind the missing seq 5, so it is not acknowledged and not
  // part of the submission.
  Ingest(db, student, {Edit(6, "q1", {{0, 0, "# after a gap\n"}}, kDeadline - 200)},
         kDeadline - 100);

  // The page would show the server's replay up to acked_seq after a reload.
  exam::FakeClock before(kDeadline + 1);
  auto state = exam::GetSessionState(db.app(), student, before);
  REQUIRE(state.ok());
  CHECK((*state)["texts"]["q1"] == kQ1AtDeadline);
  CHECK((*state)["session"]["ended_by"].is_null());

  const exam::TimeoutSweepResult sweep = Sweep(db, kClosesAt + 1, key);
  CHECK(sweep.sessions_ended == 1);
  CHECK(sweep.organizations == 1);

  const StoredEnd stored = ReadEnd(db, student.session_id);
  CHECK(stored.texts.at("q1") == kQ1AtDeadline);
  CHECK(stored.texts.at("q2") == kQ2AtDeadline);
  CHECK(stored.texts.at("q1") == (*state)["texts"]["q1"].get<std::string>());
  CHECK(stored.texts.at("q2") == (*state)["texts"]["q2"].get<std::string>());
  REQUIRE(stored.submitted_at.has_value());
  CHECK(*stored.submitted_at == kDeadline);
  CHECK(stored.submitted_at_deadline);
  CHECK(stored.submitted_at_by_question.at("q1") == kDeadline);
  CHECK(stored.ended_by == std::optional<std::string>("timeout"));
  CHECK(stored.acked_seq == 4);
  CHECK(stored.timeout_audits == 1);
  REQUIRE(stored.signature.has_value());
  CHECK(exam::VerifySignature(
      key.public_key(),
      exam::ChainHeadMessage(cohort.organization.id, student.session_id, 4, stored.chain_head),
      *stored.signature));

  SECTION("a second sweep changes nothing") {
    const exam::TimeoutSweepResult again = Sweep(db, kClosesAt + 60 * 1000, key);
    CHECK(again.sessions_ended == 0);
    CHECK(again.organizations == 0);
    const StoredEnd unchanged = ReadEnd(db, student.session_id);
    CHECK(unchanged.texts == stored.texts);
    CHECK(unchanged.submitted_at == stored.submitted_at);
    CHECK(unchanged.ended_by == stored.ended_by);
    CHECK(unchanged.signature == stored.signature);
    CHECK(unchanged.timeout_audits == 1);
  }

  SECTION("the student's state and the staff's list say timeout") {
    exam::FakeClock after(kClosesAt + 2);
    auto ended = exam::GetSessionState(db.app(), student, after);
    REQUIRE(ended.ok());
    CHECK((*ended)["session"]["ended_by"] == "timeout");
    CHECK((*ended)["session"]["submitted_at"] == exam::FormatRfc3339(kDeadline));

    auto sessions = exam::ListSessions(db.app(), cohort.organization.instructor, "midterm");
    REQUIRE(sessions.ok());
    REQUIRE(sessions->size() == 1);
    CHECK((*sessions)[0]["state"] == "timed_out");
    CHECK((*sessions)[0]["ended_by"] == "timeout");
    CHECK((*sessions)[0]["submitted_at"] == exam::FormatRfc3339(kDeadline));
  }

  SECTION("an event stamped after the closing time is still refused") {
    exam::FakeClock late(kClosesAt + 60 * 1000);
    auto refused = exam::IngestEvents(db.app(), student, Batch({Focus(5, kClosesAt + 1)}), late);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == exam::ErrorCode::kConflict);
    CHECK(ReadEnd(db, student.session_id).texts == stored.texts);
  }
}

TEST_CASE("timeout replay ignores snapshots after acked_seq") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  Cohort cohort = JoinCohort(db, "org-one", {0});
  const exam::StudentPrincipal& student = cohort.students[0];
  // The replay starts from the snapshot at seq 2. Seq 4 is missing, so the
  // snapshot at seq 5 lies beyond acked_seq and must not be the submission.
  Ingest(db, student,
         {Edit(1, "q2", {{0, 0, "x = 1\n"}}, kStart + 1000),
          Snapshot(2, "q2", "x = 1\n", kStart + 2000),
          Edit(3, "q2", {{6, 6, "y = 2\n"}}, kStart + 3000),
          Snapshot(5, "q2", "not acknowledged\n", kStart + 5000)},
         kStart + 6000);

  REQUIRE(Sweep(db, kClosesAt + 1, key).sessions_ended == 1);
  const StoredEnd stored = ReadEnd(db, student.session_id);
  CHECK(stored.acked_seq == 3);
  CHECK(stored.texts.at("q2") == "x = 1\ny = 2\n");
  CHECK(stored.texts.at("q1") == "def f():\n    pass\n");
}

TEST_CASE("sweep leaves submitted and in-grace sessions alone") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  // s0 submits, s1 has one extra minute, s2 neither submits nor has extra time.
  Cohort cohort = JoinCohort(db, "org-one", {0, 1, 0});
  const exam::StudentPrincipal& submitter = cohort.students[0];
  const exam::StudentPrincipal& extra_minute = cohort.students[1];
  const exam::StudentPrincipal& silent = cohort.students[2];
  const exam::UnixMillis submitted_at = kDeadline - 5 * 60 * 1000;
  Ingest(db, submitter,
         {Edit(1, "q2", {{0, 0, "print('done')\n"}}, submitted_at - 1000),
          Submit(2, submitted_at - 500)},
         submitted_at);
  Ingest(db, extra_minute, {Edit(1, "q2", {{0, 0, "z = 3\n"}}, kStart + 1000)}, kStart + 2000);
  Ingest(db, silent, {Edit(1, "q2", {{0, 0, "w = 4\n"}}, kStart + 1000)}, kStart + 2000);
  const StoredEnd submitted_before = ReadEnd(db, submitter.session_id);
  REQUIRE(submitted_before.ended_by == std::optional<std::string>("submit"));

  SECTION("nothing ends at the closing time itself") {
    CHECK(Sweep(db, kClosesAt, key).sessions_ended == 0);
    CHECK_FALSE(ReadEnd(db, silent.session_id).submitted_at.has_value());
  }

  SECTION("only the session past its closing time ends") {
    // s1's deadline has passed a minute ago, but its grace has not.
    const exam::UnixMillis now = kClosesAt + 30 * 1000;
    CHECK(Sweep(db, now, key).sessions_ended == 1);

    const StoredEnd ended = ReadEnd(db, silent.session_id);
    CHECK(ended.ended_by == std::optional<std::string>("timeout"));
    CHECK(ended.texts.at("q2") == "w = 4\n");

    const StoredEnd in_grace = ReadEnd(db, extra_minute.session_id);
    CHECK_FALSE(in_grace.submitted_at.has_value());
    CHECK_FALSE(in_grace.ended_by.has_value());
    CHECK(in_grace.texts.empty());

    const StoredEnd submitted_after = ReadEnd(db, submitter.session_id);
    CHECK(submitted_after.texts == submitted_before.texts);
    CHECK(submitted_after.submitted_at == submitted_before.submitted_at);
    CHECK(submitted_after.ended_by == std::optional<std::string>("submit"));
    CHECK(submitted_after.signature == submitted_before.signature);
    CHECK(submitted_after.timeout_audits == 0);

    // Once s1's grace has passed too, the next sweep ends it.
    CHECK(Sweep(db, kClosesAt + 60 * 1000 + 1, key).sessions_ended == 1);
    const StoredEnd later = ReadEnd(db, extra_minute.session_id);
    CHECK(later.ended_by == std::optional<std::string>("timeout"));
    CHECK(later.submitted_at == std::optional<exam::UnixMillis>(kDeadline + 60 * 1000));
    CHECK(later.texts.at("q2") == "z = 3\n");
  }
}

TEST_CASE("sweep reads each organization under its own tenant") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  Cohort one = JoinCohort(db, "org-one", {0});
  Cohort two = JoinCohort(db, "org-two", {0});
  Ingest(db, one.students[0], {Edit(1, "q2", {{0, 0, "one = 1\n"}}, kStart + 1000)}, kStart + 1000);
  Ingest(db, two.students[0], {Edit(1, "q2", {{0, 0, "two = 2\n"}}, kStart + 1000)}, kStart + 1000);

  // examd's role lists both organizations only through the function, which
  // returns their ids and nothing else.
  std::vector<exam::OrgId> listed;
  int sessions_without_tenant = -1;
  exam::Status status = db.app().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    const pqxx::result rows = txn.exec_params(
        "SELECT * FROM organizations_with_timed_out_sessions("
        "to_timestamp($1::double precision / 1000))",
        kDeadline + 1);
    CHECK(rows.columns() == 1);
    for (const pqxx::row& row : rows) {
      listed.push_back(row[0].as<exam::OrgId>());
    }
    sessions_without_tenant = txn.exec1("SELECT count(*) FROM exam_sessions")[0].as<int>();
    return {};
  });
  REQUIRE(status.ok());
  CHECK(listed == std::vector<exam::OrgId>{one.organization.id, two.organization.id});
  CHECK(sessions_without_tenant == 0);

  const exam::TimeoutSweepResult sweep = Sweep(db, kClosesAt + 1, key);
  CHECK(sweep.organizations == 2);
  CHECK(sweep.sessions_ended == 2);
  CHECK(ReadEnd(db, one.students[0].session_id).texts.at("q2") == "one = 1\n");
  CHECK(ReadEnd(db, two.students[0].session_id).texts.at("q2") == "two = 2\n");

  // Under each organization's app.org_id, examd's role reads that
  // organization's sessions and submissions only.
  for (const Cohort* cohort : {&one, &two}) {
    std::vector<std::int64_t> sessions;
    std::vector<std::int64_t> submitted_sessions;
    status = db.app().InTenant(
        cohort->organization.id, [&](pqxx::transaction_base& txn) -> exam::Status {
          for (const pqxx::row& row : txn.exec("SELECT id FROM exam_sessions ORDER BY id")) {
            sessions.push_back(row[0].as<std::int64_t>());
          }
          for (const pqxx::row& row :
               txn.exec("SELECT DISTINCT session_id FROM submissions ORDER BY session_id")) {
            submitted_sessions.push_back(row[0].as<std::int64_t>());
          }
          return {};
        });
    REQUIRE(status.ok());
    CHECK(sessions == std::vector<std::int64_t>{cohort->students[0].session_id});
    CHECK(submitted_sessions == std::vector<std::int64_t>{cohort->students[0].session_id});
  }
}

TEST_CASE("sweep ends sessions in bounded batches") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  Cohort cohort = JoinCohort(db, "org-one", {0, 0, 0, 0, 0});

  SECTION("all batches run in one sweep") {
    exam::TimeoutSweepOptions options;
    options.batch_size = 2;
    CHECK(Sweep(db, kClosesAt + 1, key, options).sessions_ended == 5);
    for (const exam::StudentPrincipal& student : cohort.students) {
      CHECK(ReadEnd(db, student.session_id).ended_by == std::optional<std::string>("timeout"));
    }
  }

  SECTION("a stop between batches leaves the rest to the next sweep") {
    exam::TimeoutSweepOptions options;
    options.batch_size = 2;
    int transactions = 0;
    options.stop_requested = [&transactions] { return transactions++ >= 1; };
    CHECK(Sweep(db, kClosesAt + 1, key, options).sessions_ended == 2);
    CHECK(Sweep(db, kClosesAt + 1, key).sessions_ended == 3);
  }

  SECTION("a batch size of 0 is rejected") {
    exam::TimeoutSweepOptions options;
    options.batch_size = 0;
    auto sweep = exam::EndTimedOutSessions(db.app(), kClosesAt + 1, nullptr, options);
    REQUIRE_FALSE(sweep.ok());
    CHECK(sweep.error().code == exam::ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("sweep skips a session that ingestion has locked") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  Cohort cohort = JoinCohort(db, "org-one", {0});
  const exam::StudentPrincipal& student = cohort.students[0];

  // Holds the row lock that ingestion takes while it stores a batch.
  pqxx::connection connection(db.AppUrl());
  auto ingesting = std::make_unique<pqxx::work>(connection);
  ingesting->exec_params("SELECT set_config('app.org_id', $1, true)",
                         std::to_string(cohort.organization.id));
  ingesting->exec_params("SELECT 1 FROM exam_sessions WHERE id = $1 FOR UPDATE",
                         student.session_id);

  CHECK(Sweep(db, kClosesAt + 1, key).sessions_ended == 0);
  CHECK_FALSE(ReadEnd(db, student.session_id).submitted_at.has_value());

  ingesting->commit();
  ingesting.reset();
  CHECK(Sweep(db, kClosesAt + 1, key).sessions_ended == 1);
  CHECK(ReadEnd(db, student.session_id).ended_by == std::optional<std::string>("timeout"));
}

TEST_CASE("events made in time and delivered late extend a timeout") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  Cohort cohort = JoinCohort(db, "org-one", {0});
  const exam::StudentPrincipal& student = cohort.students[0];
  Ingest(db, student, {kTypedBeforeDeadline[0], kTypedBeforeDeadline[1]}, kStart + 3000);
  REQUIRE(Sweep(db, kClosesAt + 1, key).sessions_ended == 1);
  REQUIRE(ReadEnd(db, student.session_id).texts.at("q2") == "x = 1\n");

  // The page was offline: seqs 3 and 4 were made before the deadline and
  // arrive ten minutes after the closing time.
  const exam::UnixMillis later = kClosesAt + 10 * 60 * 1000;
  exam::FakeClock clock(later);
  auto delivered = exam::IngestEvents(db.app(), student,
                                      Batch({kTypedBeforeDeadline[2], kTypedBeforeDeadline[3]}),
                                      clock, [&key](std::string_view m) { return key.Sign(m); });
  REQUIRE(delivered.ok());
  CHECK(delivered->acked_seq == 4);
  CHECK(delivered->submitted);
  CHECK(delivered->ended_by == std::optional<exam::SessionEnd>(exam::SessionEnd::kTimeout));

  const StoredEnd extended = ReadEnd(db, student.session_id);
  CHECK(extended.texts.at("q2") == kQ2AtDeadline);
  CHECK(extended.submitted_at == std::optional<exam::UnixMillis>(kDeadline));
  CHECK(extended.ended_by == std::optional<std::string>("timeout"));
  REQUIRE(extended.signature.has_value());
  CHECK(exam::VerifySignature(
      key.public_key(),
      exam::ChainHeadMessage(cohort.organization.id, student.session_id, 4, extended.chain_head),
      *extended.signature));

  SECTION("a submit made in time ends the session by submit") {
    Ingest(db, student, {Submit(5, kDeadline - 100)}, later + 1000);
    const StoredEnd submitted = ReadEnd(db, student.session_id);
    CHECK(submitted.ended_by == std::optional<std::string>("submit"));
    CHECK(submitted.submitted_at == std::optional<exam::UnixMillis>(later + 1000));
    CHECK(submitted.texts.at("q1") == kQ1AtDeadline);
    CHECK(submitted.texts.at("q2") == kQ2AtDeadline);
  }
}
