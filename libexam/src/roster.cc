#include "exam/roster.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <pqxx/pqxx>
#include <set>

#include "exam/auth.h"
#include "exam/crypto.h"
#include "exam/csv.h"
#include "exam/exam_store.h"

namespace exam {
namespace {

using nlohmann::json;

std::string Trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

Status ValidateRosterRow(const RosterRow& row, std::string_view where) {
  if (row.student_id.empty() || CountCodePoints(row.student_id) > 64) {
    return InvalidArgument(fmt::format("{}: student_id must have 1 to 64 characters, got \"{}\"",
                                       where, row.student_id));
  }
  for (unsigned char c : row.student_id) {
    if (c < 0x20 || c == 0x7F) {
      return InvalidArgument(
          fmt::format("{}: student_id contains a control character", where));
    }
  }
  if (row.name.empty() || CountCodePoints(row.name) > 200) {
    return InvalidArgument(
        fmt::format("{}: name must have 1 to 200 characters (student {})", where, row.student_id));
  }
  if (row.email.size() > 254 ||
      (!row.email.empty() && row.email.find('@') == std::string::npos)) {
    return InvalidArgument(fmt::format("{}: email \"{}\" is not an address", where, row.email));
  }
  if (row.extra_minutes < 0 || row.extra_minutes > 1440) {
    return InvalidArgument(fmt::format("{}: extra_minutes must be from 0 to 1440, got {}", where,
                                       row.extra_minutes));
  }
  return {};
}

Result<std::vector<RosterRow>> ParseRosterCsv(std::string_view text) {
  auto records = ParseCsv(text);
  if (!records) {
    return records.error();
  }
  if (records->empty()) {
    return InvalidArgument(
        "the roster is empty; the first line must name the columns student_id,name,email");
  }

  std::map<std::string, std::size_t> columns;
  const CsvRecord& header = records->front();
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = Trimmed(header.fields[i]);
    if (name != "student_id" && name != "name" && name != "email" && name != "extra_minutes") {
      return InvalidArgument(fmt::format(
          "line 1: unknown column \"{}\"; the columns are student_id, name, email and "
          "extra_minutes",
          name));
    }
    if (!columns.emplace(name, i).second) {
      return InvalidArgument(fmt::format("line 1: column \"{}\" appears twice", name));
    }
  }
  for (const char* required : {"student_id", "name", "email"}) {
    if (!columns.count(required)) {
      return InvalidArgument(fmt::format(
          "line 1: missing column \"{}\"; the header must name student_id, name and email",
          required));
    }
  }
  if (records->size() - 1 > kMaxRosterRows) {
    return InvalidArgument(fmt::format("the roster has {} students; import at most {} at once",
                                       records->size() - 1, kMaxRosterRows));
  }

  std::vector<RosterRow> rows;
  std::set<std::string> seen;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& record = (*records)[r];
    const std::string where = fmt::format("line {}", record.line);
    if (record.fields.size() != header.fields.size()) {
      return InvalidArgument(fmt::format("{}: has {} fields, but the header has {}", where,
                                         record.fields.size(), header.fields.size()));
    }
    RosterRow row;
    row.student_id = Trimmed(record.fields[columns["student_id"]]);
    row.name = Trimmed(record.fields[columns["name"]]);
    row.email = Trimmed(record.fields[columns["email"]]);
    if (columns.count("extra_minutes")) {
      const std::string extra = Trimmed(record.fields[columns["extra_minutes"]]);
      if (!extra.empty()) {
        const auto [end, error] =
            std::from_chars(extra.data(), extra.data() + extra.size(), row.extra_minutes);
        if (error != std::errc() || end != extra.data() + extra.size()) {
          return InvalidArgument(fmt::format(
              "{}: extra_minutes must be a whole number of minutes, got \"{}\"", where, extra));
        }
      }
    }
    if (Status valid = ValidateRosterRow(row, where); !valid) {
      return valid.error();
    }
    if (!seen.insert(row.student_id).second) {
      return InvalidArgument(fmt::format("{}: student_id \"{}\" appears twice", where, row.student_id));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<RosterRow>> RosterRowsFromJson(const json& body) {
  if (!body.is_object() || !body.contains("entries") || !body["entries"].is_array()) {
    return InvalidArgument("the request body must be {\"entries\": [...]}");
  }
  for (const auto& [field, value] : body.items()) {
    if (field != "entries") {
      return InvalidArgument(fmt::format(
          "field \"{}\" cannot be set; the request body is {{\"entries\": [...]}}", field));
    }
  }
  const json& entries = body["entries"];
  if (entries.empty() || entries.size() > kMaxRosterRows) {
    return InvalidArgument(
        fmt::format("entries must hold 1 to {} students, got {}", kMaxRosterRows, entries.size()));
  }
  std::vector<RosterRow> rows;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& entry = entries[i];
    const std::string where = fmt::format("entries[{}]", i);
    if (!entry.is_object() || !entry.value("student_id", json()).is_string() ||
        !entry.value("name", json()).is_string()) {
      return InvalidArgument(fmt::format("{}: must be an object with string student_id and name", where));
    }
    for (const auto& [field, value] : entry.items()) {
      if (field != "student_id" && field != "name" && field != "email" &&
          field != "extra_minutes") {
        return InvalidArgument(fmt::format(
            "{}: field \"{}\" cannot be set; the fields are student_id, name, email and "
            "extra_minutes",
            where, field));
      }
    }
    RosterRow row;
    row.student_id = entry["student_id"].get<std::string>();
    row.name = entry["name"].get<std::string>();
    const json& email = entry.value("email", json(""));
    const json& extra = entry.value("extra_minutes", json(0));
    if (!email.is_string() || !extra.is_number_integer()) {
      return InvalidArgument(
          fmt::format("{}: email must be a string and extra_minutes an integer", where));
    }
    row.email = email.get<std::string>();
    const std::int64_t minutes = extra.get<std::int64_t>();
    if (minutes < 0 || minutes > 1440) {
      return InvalidArgument(
          fmt::format("{}: extra_minutes must be from 0 to 1440, got {}", where, minutes));
    }
    row.extra_minutes = static_cast<int>(minutes);
    if (Status valid = ValidateRosterRow(row, where); !valid) {
      return valid.error();
    }
    if (!seen.insert(row.student_id).second) {
      return InvalidArgument(fmt::format("{}: student_id \"{}\" appears twice", where, row.student_id));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<json> ImportRoster(Database& db, const StaffPrincipal& staff, std::string_view exam_ref,
                          const std::vector<RosterRow>& rows) {
  json result = {{"entries", json::array()}};
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result exam = txn.exec_params(
        fmt::format("SELECT id FROM exams WHERE {} FOR UPDATE", internal::kExamByRef),
        staff.org_id, std::string(exam_ref), staff.role == StaffRole::kAdmin,
        staff.user_id);
    if (exam.empty()) {
      return NotFound(fmt::format("exam \"{}\" not found", exam_ref));
    }
    if (staff.role == StaffRole::kTa) {
      return Error{ErrorCode::kForbidden, "a TA cannot change a roster; ask an instructor"};
    }
    const std::int64_t exam_id = exam[0][0].as<std::int64_t>();

    int created = 0;
    for (const RosterRow& row : rows) {
      const std::string invite = NewSecret(kInvitePrefix);
      // xmax = 0 only for a freshly inserted row, which distinguishes an insert
      // from an update.
      const pqxx::result upserted = txn.exec_params(
          "INSERT INTO roster_entries (org_id, exam_id, student_id, name, email, extra_minutes, "
          "                            invite_hash) "
          "VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex')) "
          "ON CONFLICT (org_id, exam_id, student_id) DO UPDATE "
          "   SET name = EXCLUDED.name, email = EXCLUDED.email, "
          "       extra_minutes = EXCLUDED.extra_minutes "
          " WHERE (roster_entries.name, roster_entries.email, roster_entries.extra_minutes) "
          "       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.email, EXCLUDED.extra_minutes) "
          "RETURNING (xmax = 0)",
          staff.org_id, exam_id, row.student_id, row.name, row.email, row.extra_minutes,
          SecretHashHex(invite));
      json entry = {{"student_id", row.student_id}, {"name", row.name}, {"email", row.email},
                    {"extra_minutes", row.extra_minutes}};
      if (upserted.empty()) {
        entry["status"] = "unchanged";
      } else if (upserted[0][0].as<bool>()) {
        entry["status"] = "created";
        entry["invite"] = invite;
        ++created;
      } else {
        entry["status"] = "updated";
      }
      result["entries"].push_back(std::move(entry));
    }
    txn.exec_params(
        "INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id, "
        "                       detail) "
        "VALUES ($1, 'staff', $2, 'roster.import', 'exam', $3, $4::jsonb)",
        staff.org_id, staff.user_id, exam_id,
        json({{"rows", rows.size()}, {"created", created}}).dump());
    return {};
  });
  if (!status) {
    return status.error();
  }
  return result;
}

}  // namespace exam
