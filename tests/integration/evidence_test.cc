// The hash chain over stored events and the signed export: an untouched
// export verifies, and editing, deleting or reordering any event is named.
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
#include "pg_fixture.h"

using exam::testing::MakeExamSpec;
using exam::testing::MakeOrganization;
using exam::testing::MakeSigningKey;
using exam::testing::ScratchDatabase;
using nlohmann::json;

namespace {

constexpr exam::UnixMillis kStart = 1798790400000;  // 2027-01-01T09:00:00Z

// Records a short exam session, then exports it signed as examd would.
json SignedExport(ScratchDatabase& db, const exam::SigningKey& key) {
  exam::FakeClock clock(kStart);
  auto organization = MakeOrganization(db, "org-one");
  REQUIRE(exam::CreateExam(db.app(), organization.instructor, MakeExamSpec("midterm")).ok());
  REQUIRE(exam::PublishExam(db.app(), organization.instructor, "midterm").ok());
  auto roster = exam::ImportRoster(db.app(), organization.instructor, "midterm",
                                   {{"s1", "Ada", "", 0}, {"s2", "Emmy", "", 0}});
  REQUIRE(roster.ok());

  for (const json& entry : (*roster)["entries"]) {
    auto joined = exam::JoinExam(db.app(), entry["invite"].get<std::string>(), clock);
    REQUIRE(joined.ok());
    auto student = exam::AuthenticateSessionToken(db.app(), (*joined)["session_token"].get<std::string>());
    REQUIRE(student.ok());
    json events = json::array();
    for (int seq = 1; seq <= 5; ++seq) {
      events.push_back({{"seq", seq}, {"type", "edit"}, {"t", kStart + seq}, {"question", "q2"},
                        {"changes", json::array({json::array({0, 0, fmt::format("x{}", seq)})})}});
    }
    events.push_back({{"seq", 6}, {"type", "submit"}, {"t", kStart + 6}});
    auto batch = exam::ParseEventBatch(json({{"events", events}}).dump());
    REQUIRE(batch.ok());
    auto result = exam::IngestEvents(db.app(), *student, *batch, clock,
                                     [&key](std::string_view message) { return key.Sign(message); });
    REQUIRE(result.ok());
    REQUIRE(result->submitted);
  }

  exam::EventQuery query;
  auto page = exam::PullEvents(db.app(), organization.instructor, "midterm", query);
  REQUIRE(page.ok());
  for (json& head : (*page)["chain_heads"]) {
    head["signature"] = key.Sign(exam::ChainHeadMessage(
        head["org_id"].get<std::int64_t>(), head["session_id"].get<std::int64_t>(),
        head["seq"].get<std::int64_t>(), head["head"].get<std::string>()));
  }
  return *page;
}

}  // namespace

TEST_CASE("untouched export verifies") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  const json exported = SignedExport(db, key);
  REQUIRE(exported["events"].size() == 12);

  auto report = exam::VerifyExport(exported, key.public_key());
  REQUIRE(report.ok());
  CHECK(report->problems.empty());
  CHECK(report->sessions == 2);
  CHECK(report->events == 12);
}

TEST_CASE("tampered export names the first bad event") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  json exported = SignedExport(db, key);

  SECTION("edited event") {
    exported["events"][2]["changes"][0][2] = "changed";
    auto report = exam::VerifyExport(exported, key.public_key());
    REQUIRE(report.ok());
    REQUIRE_FALSE(report->problems.empty());
    CHECK_THAT(report->problems[0], Catch::Contains("event seq 3"));
  }
  SECTION("deleted event") {
    exported["events"].erase(3);
    auto report = exam::VerifyExport(exported, key.public_key());
    REQUIRE(report.ok());
    REQUIRE_FALSE(report->problems.empty());
    CHECK_THAT(report->problems[0], Catch::Contains("expected seq 4"));
  }
  SECTION("reordered events") {
    std::swap(exported["events"][1], exported["events"][2]);
    auto report = exam::VerifyExport(exported, key.public_key());
    REQUIRE(report.ok());
    REQUIRE_FALSE(report->problems.empty());
    CHECK_THAT(report->problems[0], Catch::Contains("expected seq 2"));
  }
  SECTION("last event removed with its chain") {
    exported["events"].erase(5);
    auto report = exam::VerifyExport(exported, key.public_key());
    REQUIRE(report.ok());
    REQUIRE_FALSE(report->problems.empty());
    CHECK_THAT(report->problems[0], Catch::Contains("signed head is for seq 6"));
  }
  SECTION("another key") {
    auto report = exam::VerifyExport(exported, MakeSigningKey().public_key());
    REQUIRE(report.ok());
    // One problem per exam session: its head is there, signed by another key.
    REQUIRE(report->problems.size() == 2);
    CHECK_THAT(report->problems[0], Catch::Contains("signature"));
    CHECK_THAT(report->problems[1], Catch::Contains("signature"));
  }
  SECTION("a key that is not a key") {
    auto report = exam::VerifyExport(exported, "nope");
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().code == exam::ErrorCode::kInvalidArgument);
    CHECK_THAT(report.error().message, Catch::Contains("\"nope\""));
  }
}

TEST_CASE("submit signs the chain head") {
  ScratchDatabase db;
  const exam::SigningKey key = MakeSigningKey();
  const json exported = SignedExport(db, key);
  const json& head = exported["chain_heads"][0];

  std::string signature;
  exam::Status status = db.owner().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    signature = txn.exec_params1("SELECT submit_signature FROM exam_sessions WHERE id = $1",
                                 head["session_id"].get<std::int64_t>())[0]
                    .as<std::string>();
    return {};
  });
  REQUIRE(status.ok());
  CHECK(exam::VerifySignature(
      key.public_key(),
      exam::ChainHeadMessage(head["org_id"].get<std::int64_t>(),
                             head["session_id"].get<std::int64_t>(), 6,
                             head["head"].get<std::string>()),
      signature));
}
