// A scratch database per test on the private cluster that scripts/test
// starts: created from the superuser URL, migrated as the owner role, and
// dropped at the end. Tests talk to it as the owner (`owner`) and as examd's
// role (`app`), each through a Database of its own.
#pragma once

#include <memory>
#include <string>

#include "exam/admin.h"
#include "exam/database.h"
#include "exam/evidence.h"
#include "exam/exam_spec.h"
#include "exam/principal.h"

namespace exam::testing {

class ScratchDatabase {
 public:
  ScratchDatabase();
  ~ScratchDatabase();

  Database& owner() { return *owner_; }
  Database& app() { return *app_; }
  const std::string& name() const { return name_; }

  // Runs SQL as the superuser in the scratch database, for checks that need it.
  void ExecAsSuperuser(const std::string& sql);

  // The superuser's URL for the scratch database.
  std::string SuperuserUrl() const;

  // examd's role's URL for the scratch database.
  std::string AppUrl() const;

 private:
  std::string name_;
  std::string superuser_url_;
  std::unique_ptr<Database> owner_;
  std::unique_ptr<Database> app_;
};

// An organization with one instructor, ready for storage calls.
struct TestOrganization {
  OrgId id = 0;
  StaffPrincipal instructor;
};

TestOrganization MakeOrganization(ScratchDatabase& db, const std::string& slug);

// A small valid exam with two questions, "q1" and "q2".
ExamSpec MakeExamSpec(const std::string& slug);

// A new Ed25519 signing key whose file is already removed.
SigningKey MakeSigningKey();

}  // namespace exam::testing
