// The operator's credential and plan changes against a real PostgreSQL:
// examd's role changes a plan only through operator_set_plan with the hash of
// a valid operator credential, and the change and its audit record commit
// together.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <pqxx/pqxx>

#include "exam/auth.h"
#include "exam/operator.h"
#include "pg_fixture.h"

using exam::testing::MakeOrganization;
using exam::testing::ScratchDatabase;

namespace {

struct Plan {
  int seat_limit = 0;
  int exam_limit = 0;
};

Plan ReadPlan(ScratchDatabase& db, exam::OrgId org_id) {
  Plan plan;
  exam::Status status = db.owner().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    const pqxx::row row =
        txn.exec_params1("SELECT seat_limit, exam_limit FROM organizations WHERE id = $1", org_id);
    plan = {row[0].as<int>(), row[1].as<int>()};
    return {};
  });
  REQUIRE(status.ok());
  return plan;
}

int CountPlanAudits(ScratchDatabase& db, exam::OrgId org_id) {
  int count = 0;
  exam::Status status = db.owner().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    count = txn.exec_params1(
                   "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'plan.change'",
                   org_id)[0]
                .as<int>();
    return {};
  });
  REQUIRE(status.ok());
  return count;
}

exam::OperatorPrincipal NewOperator(ScratchDatabase& db, std::string* secret = nullptr) {
  auto credential = exam::CreateOperatorCredential(db.owner(), "test operator", 1,
                                                   exam::SystemClock());
  REQUIRE(credential.ok());
  auto principal =
      exam::AuthenticateOperatorToken(db.app(), credential->secret, exam::SystemClock());
  REQUIRE(principal.ok());
  if (secret) {
    *secret = credential->secret;
  }
  return *principal;
}

}  // namespace

TEST_CASE("operator sets a plan and audits it") {
  ScratchDatabase db;
  auto organization = MakeOrganization(db, "org-one");
  const exam::OperatorPrincipal principal = NewOperator(db);

  auto changed = exam::SetPlanAsOperator(db.app(), principal, "org-one", 7, std::nullopt);
  REQUIRE(changed.ok());
  CHECK((*changed)["seat_limit"] == 7);
  CHECK((*changed)["exam_limit"] == 100);
  CHECK(ReadPlan(db, organization.id).seat_limit == 7);
  CHECK(ReadPlan(db, organization.id).exam_limit == 100);

  exam::Status audited = db.owner().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    const pqxx::row row = txn.exec_params1(
        "SELECT actor_kind, actor_id, detail->'seat_limit'->>0, detail->'seat_limit'->>1 "
        "  FROM audit_log WHERE org_id = $1 AND action = 'plan.change'",
        organization.id);
    CHECK(row[0].as<std::string>() == "operator");
    CHECK(row[1].as<std::int64_t>() == principal.credential_id);
    CHECK(row[2].as<int>() == 500);
    CHECK(row[3].as<int>() == 7);
    return {};
  });
  REQUIRE(audited.ok());
}

TEST_CASE("operator lists organizations with usage") {
  ScratchDatabase db;
  MakeOrganization(db, "org-one");
  MakeOrganization(db, "org-two");
  const exam::OperatorPrincipal principal = NewOperator(db);

  auto listed = exam::ListOrganizationsAsOperator(db.app(), principal);
  REQUIRE(listed.ok());
  const auto& organizations = (*listed)["organizations"];
  REQUIRE(organizations.size() == 2);
  CHECK(organizations[0]["slug"] == "org-one");
  CHECK(organizations[1]["slug"] == "org-two");
  CHECK(organizations[0]["seat_limit"] == 500);
  CHECK(organizations[0]["staff_users"] == 1);
  CHECK(organizations[0]["open_exams"] == 0);
}

TEST_CASE("application role cannot change a plan directly") {
  ScratchDatabase db;
  auto organization = MakeOrganization(db, "org-one");

  SECTION("update in its own tenant") {
    exam::Status status =
        db.app().InTenant(organization.id, [&](pqxx::transaction_base& txn) -> exam::Status {
          txn.exec("UPDATE organizations SET seat_limit = 999999");
          return {};
        });
    CHECK_FALSE(status.ok());
  }

  SECTION("operator_set_plan with a hash of no credential") {
    exam::OperatorPrincipal forged;
    forged.credential_hash_hex = exam::SecretHashHex("eop_not-a-stored-credential");
    auto changed = exam::SetPlanAsOperator(db.app(), forged, "org-one", 999999, std::nullopt);
    REQUIRE_FALSE(changed.ok());
    CHECK(changed.error().code == exam::ErrorCode::kUnauthenticated);
  }

  SECTION("reading operator credentials") {
    NewOperator(db);
    exam::Status status = db.app().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
      txn.exec("SELECT count(*) FROM operator_credentials");
      return {};
    });
    CHECK_FALSE(status.ok());
  }

  SECTION("calling the credential check itself") {
    exam::Status status = db.app().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
      txn.exec("SELECT operator_credential_id(decode(repeat('00', 32), 'hex'))");
      return {};
    });
    CHECK_FALSE(status.ok());
  }

  CHECK(ReadPlan(db, organization.id).seat_limit == 500);
  CHECK(CountPlanAudits(db, organization.id) == 0);
}

TEST_CASE("revoked or expired operator credential is rejected") {
  ScratchDatabase db;
  auto organization = MakeOrganization(db, "org-one");
  std::string secret;
  const exam::OperatorPrincipal principal = NewOperator(db, &secret);

  SECTION("revoked") {
    auto revoked =
        exam::RevokeOperatorCredential(db.owner(), principal.credential_id, exam::SystemClock());
    REQUIRE(revoked.ok());
    CHECK(*revoked);
    auto again = exam::AuthenticateOperatorToken(db.app(), secret, exam::SystemClock());
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == exam::ErrorCode::kUnauthenticated);

    // Revoking again changes nothing and adds no audit record.
    auto twice =
        exam::RevokeOperatorCredential(db.owner(), principal.credential_id, exam::SystemClock());
    REQUIRE(twice.ok());
    CHECK_FALSE(*twice);
    int revocations = -1;
    REQUIRE(db.owner()
                .WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
                  revocations = txn.exec1("SELECT count(*) FROM operator_audit_log "
                                          "WHERE action = 'operator_credential.revoke'")[0]
                                    .as<int>();
                  return {};
                })
                .ok());
    CHECK(revocations == 1);
  }

  SECTION("expired") {
    db.ExecAsSuperuser(fmt::format(
        "UPDATE operator_credentials SET expires_at = now() - interval '1 minute' WHERE id = {}",
        principal.credential_id));
    auto again = exam::AuthenticateOperatorToken(db.app(), secret, exam::SystemClock());
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == exam::ErrorCode::kUnauthenticated);
  }

  // The principal was authenticated before; the database checks the
  // credential again and refuses the change.
  auto changed = exam::SetPlanAsOperator(db.app(), principal, "org-one", 1, 1);
  REQUIRE_FALSE(changed.ok());
  CHECK(changed.error().code == exam::ErrorCode::kUnauthenticated);
  CHECK(ReadPlan(db, organization.id).seat_limit == 500);
  CHECK(CountPlanAudits(db, organization.id) == 0);
}

TEST_CASE("operator plan change rejects bad input") {
  ScratchDatabase db;
  auto organization = MakeOrganization(db, "org-one");
  const exam::OperatorPrincipal principal = NewOperator(db);

  auto unknown = exam::SetPlanAsOperator(db.app(), principal, "no-such-org", 1, std::nullopt);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == exam::ErrorCode::kNotFound);

  auto negative = exam::SetPlanAsOperator(db.app(), principal, "org-one", -1, std::nullopt);
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().code == exam::ErrorCode::kInvalidArgument);

  auto neither = exam::SetPlanAsOperator(db.app(), principal, "org-one", std::nullopt, std::nullopt);
  REQUIRE_FALSE(neither.ok());
  CHECK(neither.error().code == exam::ErrorCode::kInvalidArgument);

  // The database checks the range too, for callers that skip libexam.
  exam::Status direct = db.app().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    txn.exec_params("SELECT * FROM operator_set_plan(decode($1, 'hex'), 'org-one', 2000000, NULL)",
                    principal.credential_hash_hex);
    return {};
  });
  CHECK_FALSE(direct.ok());

  auto malformed = exam::AuthenticateOperatorToken(db.app(), "eop_short", exam::SystemClock());
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.error().code == exam::ErrorCode::kUnauthenticated);

  // An organization's API token gets a message naming the credential the route takes.
  auto api_token = exam::AuthenticateOperatorToken(
      db.app(), "ect_" + std::string(43, 'A'), exam::SystemClock());
  REQUIRE_FALSE(api_token.ok());
  CHECK(api_token.error().code == exam::ErrorCode::kUnauthenticated);
  CHECK_THAT(api_token.error().message, Catch::Contains("not an organization's API token"));

  CHECK(ReadPlan(db, organization.id).seat_limit == 500);
  CHECK(CountPlanAudits(db, organization.id) == 0);
}
