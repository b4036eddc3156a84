// Row-level security on its own: the catalog matches what the migrations
// promise, and examd's role reads one organization at a time and nothing
// without a tenant.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "exam/exam_store.h"
#include "pg_fixture.h"

using exam::testing::MakeExamSpec;
using exam::testing::MakeOrganization;
using exam::testing::ScratchDatabase;

namespace {

std::vector<std::string> TenantTables(exam::Database& db) {
  std::vector<std::string> tables;
  exam::Status status = db.WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    for (const pqxx::row& row : txn.exec(
             "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
             "   AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
             "               AND a.attname = 'org_id' AND NOT a.attisdropped) "
             " ORDER BY 1")) {
      tables.push_back(row[0].as<std::string>());
    }
    return {};
  });
  REQUIRE(status.ok());
  return tables;
}

// Returns the tenant tables (those with org_id, and organizations itself)
// that lack forced row-level security or one of the four per-command
// policies, as seen by `txn`.
std::set<std::string> TablesMissingProtection(pqxx::transaction_base& txn) {
  std::set<std::string> missing;
  for (const pqxx::row& row : txn.exec(
           "SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity, "
           "       (SELECT count(DISTINCT p.polcmd) FROM pg_policy p "
           "         WHERE p.polrelid = c.oid AND p.polcmd IN ('r', 'a', 'w', 'd')) "
           "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
           "   AND (c.relname = 'organizations' "
           "        OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
           "                   AND a.attname = 'org_id' AND NOT a.attisdropped))")) {
    if (!row[1].as<bool>() || row[2].as<int>() != 4) {
      missing.insert(row[0].as<std::string>());
    }
  }
  return missing;
}

// Returns the views of the public schema that run with their owner's rights:
// plain views without security_invoker=true (reloptions), and every
// materialized view, which cannot have it. A view over a tenant table that
// runs as its owner, exam_owner, would show exam_app every organization's
// rows through the owner_all policies.
std::set<std::string> ViewsWithoutSecurityInvoker(pqxx::transaction_base& txn) {
  std::set<std::string> views;
  for (const pqxx::row& row : txn.exec(
           "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           " WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') "
           "   AND (c.relkind = 'm' OR NOT EXISTS ("
           "        SELECT 1 FROM unnest(c.reloptions) reloption "
           "         WHERE split_part(reloption, '=', 1) = 'security_invoker' "
           "           AND split_part(reloption, '=', 2)::boolean))")) {
    views.insert(row[0].as<std::string>());
  }
  return views;
}

}  // namespace

TEST_CASE("every view runs as its invoker") {
  ScratchDatabase db;
  pqxx::connection superuser(db.SuperuserUrl());
  pqxx::work txn(superuser);
  CHECK(ViewsWithoutSecurityInvoker(txn).empty());
}

TEST_CASE("a view without security_invoker is detected") {
  ScratchDatabase db;
  pqxx::connection superuser(db.SuperuserUrl());
  pqxx::work txn(superuser);
  REQUIRE(ViewsWithoutSecurityInvoker(txn).empty());

  txn.exec("CREATE VIEW exams_as_owner AS SELECT org_id, id, slug FROM exams");
  txn.exec("CREATE VIEW exams_invoker_off WITH (security_invoker = false) AS "
           "SELECT org_id, id FROM exams");
  txn.exec("CREATE VIEW exams_as_invoker WITH (security_invoker = true) AS "
           "SELECT org_id, id FROM exams");
  txn.exec("CREATE VIEW exams_as_invoker_on WITH (security_invoker = on) AS "
           "SELECT org_id, id FROM exams");
  txn.exec("CREATE MATERIALIZED VIEW exam_counts AS SELECT org_id, count(*) FROM exams "
           "GROUP BY org_id");
  const std::set<std::string> found = ViewsWithoutSecurityInvoker(txn);
  CHECK(found.count("exams_as_owner") == 1);
  CHECK(found.count("exams_invoker_off") == 1);
  CHECK(found.count("exam_counts") == 1);
  CHECK(found.count("exams_as_invoker") == 0);
  CHECK(found.count("exams_as_invoker_on") == 0);

  txn.exec("ALTER VIEW exams_as_invoker SET (security_invoker = false)");
  CHECK(ViewsWithoutSecurityInvoker(txn).count("exams_as_invoker") == 1);
  txn.abort();
}

TEST_CASE("dropping any one tenant policy is detected") {
  ScratchDatabase db;
  pqxx::connection superuser(db.SuperuserUrl());
  std::vector<std::pair<std::string, std::string>> policies;
  {
    pqxx::work txn(superuser);
    REQUIRE(TablesMissingProtection(txn).empty());
    for (const pqxx::row& row : txn.exec(
             "SELECT c.relname, p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
             " JOIN pg_namespace n ON n.oid = c.relnamespace "
             " WHERE n.nspname = 'public' AND p.polcmd <> '*' ORDER BY 1, 2")) {
      policies.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
    }
  }
  REQUIRE(policies.size() >= 48);

  for (const auto& [table, policy] : policies) {
    INFO("policy " << policy << " on " << table);
    pqxx::work txn(superuser);
    txn.exec(fmt::format("DROP POLICY {} ON {}", txn.quote_name(policy), txn.quote_name(table)));
    CHECK(TablesMissingProtection(txn).count(table) == 1);
    txn.abort();
  }

  pqxx::work txn(superuser);
  txn.exec("ALTER TABLE exams NO FORCE ROW LEVEL SECURITY");
  CHECK(TablesMissingProtection(txn).count("exams") == 1);
  txn.abort();
}

TEST_CASE("every tenant table forces row-level security") {
  ScratchDatabase db;
  const std::vector<std::string> tables = TenantTables(db.owner());
  REQUIRE(tables.size() >= 12);

  for (const std::string& table : tables) {
    INFO("table " << table);
    exam::Status status = db.owner().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
      const pqxx::row flags = txn.exec_params1(
          "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
          "WHERE oid = ('public.' || $1)::regclass",
          table);
      CHECK(flags[0].as<bool>());
      CHECK(flags[1].as<bool>());

      std::set<std::string> commands;
      for (const pqxx::row& policy : txn.exec_params(
               "SELECT polcmd::text FROM pg_policy WHERE polrelid = ('public.' || $1)::regclass "
               "AND polcmd <> '*'",
               table)) {
        commands.insert(policy[0].as<std::string>());
      }
      CHECK(commands == std::set<std::string>{"r", "a", "w", "d"});
      return {};
    });
    REQUIRE(status.ok());
  }
}

TEST_CASE("application role owns nothing and cannot bypass RLS") {
  ScratchDatabase db;
  exam::Status status = db.owner().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    const pqxx::row role = txn.exec1(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
        "WHERE rolname = 'exam_app'");
    CHECK_FALSE(role[0].as<bool>());
    CHECK_FALSE(role[1].as<bool>());
    CHECK_FALSE(role[2].as<bool>());
    CHECK_FALSE(role[3].as<bool>());
    const pqxx::row owned = txn.exec1(
        "SELECT count(*) FROM pg_class WHERE relowner = "
        "(SELECT oid FROM pg_roles WHERE rolname = 'exam_app')");
    CHECK(owned[0].as<int>() == 0);
    return {};
  });
  REQUIRE(status.ok());
}

TEST_CASE("no tenant set reads zero rows everywhere") {
  ScratchDatabase db;
  auto first = MakeOrganization(db, "org-one");
  auto second = MakeOrganization(db, "org-two");
  REQUIRE(exam::CreateExam(db.app(), first.instructor, MakeExamSpec("exam-one")).ok());
  REQUIRE(exam::CreateExam(db.app(), second.instructor, MakeExamSpec("exam-two")).ok());

  for (const std::string& table : TenantTables(db.owner())) {
    INFO("table " << table);
    exam::Status status = db.app().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
      const pqxx::row count = txn.exec1(fmt::format("SELECT count(*) FROM {}", table));
      CHECK(count[0].as<int>() == 0);
      return {};
    });
    REQUIRE(status.ok());
  }
  exam::Status organizations = db.app().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
    CHECK(txn.exec1("SELECT count(*) FROM organizations")[0].as<int>() == 0);
    return {};
  });
  REQUIRE(organizations.ok());
}

TEST_CASE("write for another organization is rejected") {
  ScratchDatabase db;
  auto first = MakeOrganization(db, "org-one");
  auto second = MakeOrganization(db, "org-two");
  auto exam_two = exam::CreateExam(db.app(), second.instructor, MakeExamSpec("exam-two"));
  REQUIRE(exam_two.ok());

  SECTION("insert with the other org_id") {
    exam::Status status = db.app().InTenant(first.id, [&](pqxx::transaction_base& txn) -> exam::Status {
      txn.exec_params(
          "INSERT INTO exams (org_id, slug, title, language, duration_minutes, owner_id) "
          "VALUES ($1, 'sneaky', 'x', 'python', 10, $2)",
          second.id, second.instructor.user_id);
      return {};
    });
    CHECK(status.error().code == exam::ErrorCode::kNotFound);
  }

  SECTION("update of the other organization's exam changes no row") {
    int affected = -1;
    exam::Status status = db.app().InTenant(first.id, [&](pqxx::transaction_base& txn) -> exam::Status {
      affected = txn.exec_params("UPDATE exams SET title = 'changed' WHERE id = $1",
                                 (*exam_two)["id"].get<std::int64_t>())
                     .affected_rows();
      return {};
    });
    REQUIRE(status.ok());
    CHECK(affected == 0);
  }

  SECTION("moving a row to the other organization") {
    auto exam_one = exam::CreateExam(db.app(), first.instructor, MakeExamSpec("exam-one"));
    REQUIRE(exam_one.ok());
    exam::Status status = db.app().InTenant(first.id, [&](pqxx::transaction_base& txn) -> exam::Status {
      txn.exec_params("UPDATE audit_log SET org_id = $1", second.id);
      txn.exec_params("UPDATE staff_users SET org_id = $1", second.id);
      return {};
    });
    CHECK_FALSE(status.ok());
  }

  auto still = exam::GetExam(db.app(), second.instructor, "exam-two");
  REQUIRE(still.ok());
  CHECK((*still)["title"] == "Test exam exam-two");
}

TEST_CASE("audit log is append-only for the application role") {
  ScratchDatabase db;
  auto first = MakeOrganization(db, "org-one");
  REQUIRE(exam::CreateExam(db.app(), first.instructor, MakeExamSpec("exam-one")).ok());
  exam::Status update = db.app().InTenant(first.id, [&](pqxx::transaction_base& txn) -> exam::Status {
    txn.exec("UPDATE audit_log SET action = 'rewritten'");
    return {};
  });
  CHECK_FALSE(update.ok());
  exam::Status erase = db.app().InTenant(first.id, [&](pqxx::transaction_base& txn) -> exam::Status {
    txn.exec("DELETE FROM audit_log");
    return {};
  });
  CHECK_FALSE(erase.ok());
}

TEST_CASE("pooled connections never carry a tenant over") {
  ScratchDatabase db;
  auto first = MakeOrganization(db, "org-one");
  auto second = MakeOrganization(db, "org-two");
  REQUIRE(exam::CreateExam(db.app(), first.instructor, MakeExamSpec("exam-one")).ok());
  REQUIRE(exam::CreateExam(db.app(), second.instructor, MakeExamSpec("exam-two")).ok());

  std::atomic<int> wrong{0};
  std::atomic<int> checked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        const bool use_first = (i + t) % 2 == 0;
        const exam::OrgId org = use_first ? first.id : second.id;
        const bool fail = i % 7 == 0;
        exam::Status status = db.app().InTenant(org, [&](pqxx::transaction_base& txn) -> exam::Status {
          for (const pqxx::row& row : txn.exec("SELECT org_id FROM exams")) {
            if (row[0].as<exam::OrgId>() != org) {
              ++wrong;
            }
          }
          ++checked;
          if (fail) {
            txn.exec("SELECT no_such_column FROM exams");
          }
          return {};
        });
        if (fail == status.ok()) {
          ++wrong;
        }
        // Between tenant transactions, a transaction without a tenant reads no row.
        exam::Status bare = db.app().WithoutTenant([&](pqxx::transaction_base& txn) -> exam::Status {
          if (txn.exec1("SELECT count(*) FROM exams")[0].as<int>() != 0) {
            ++wrong;
          }
          return {};
        });
        if (!bare.ok()) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  CHECK(checked == 1000);
  CHECK(wrong == 0);
}
