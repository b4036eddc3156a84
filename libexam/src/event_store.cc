#include "exam/event_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <pqxx/pqxx>
#include <set>

#include "exam/crypto.h"
#include "exam/evidence.h"
#include "exam/exam_store.h"
#include "submission_store.h"

namespace exam {
namespace {

using nlohmann::json;

struct SessionRow {
  std::int64_t exam_id = 0;
  std::int64_t acked_seq = 0;
  std::optional<SessionEnd> ended_by;
  std::optional<std::int64_t> submit_seq;
  UnixMillis deadline = 0;
};

// Walks the stored seqs above `acked_seq` in order: the contiguous run moves
// acked_seq forward, and every hole before the highest stored seq is missing.
void AdvanceAcked(const pqxx::result& stored_seqs, IngestResult& result) {
  std::int64_t expected = result.acked_seq + 1;
  bool contiguous = true;
  for (const pqxx::row& row : stored_seqs) {
    const std::int64_t seq = row[0].as<std::int64_t>();
    if (seq != expected) {
      result.missing.emplace_back(expected, seq - 1);
      contiguous = false;
    }
    if (contiguous) {
      result.acked_seq = seq;
    }
    expected = seq + 1;
  }
}

// Extends the session's hash chain over the events in (from_seq, to_seq],
// which are all stored, and records each event's head and the new chain head.
void ExtendSessionChain(pqxx::transaction_base& txn, OrgId org_id, std::int64_t session_id,
                        std::int64_t from_seq, std::int64_t to_seq) {
  std::string head = FromHex(txn.exec_params1("SELECT encode(chain_head, 'hex') FROM exam_sessions "
                                               "WHERE org_id = $1 AND id = $2",
                                               org_id, session_id)[0]
                                    .as<std::string>());
  json hashes = json::array();
  for (const pqxx::row& event : txn.exec_params(
           "SELECT seq, payload::text FROM events "
           "WHERE org_id = $1 AND session_id = $2 AND seq > $3 AND seq <= $4 ORDER BY seq",
           org_id, session_id, from_seq, to_seq)) {
    head = ExtendChain(head, CanonicalEventText(json::parse(event[1].as<std::string>())));
    hashes.push_back({{"seq", event[0].as<std::int64_t>()}, {"hash", ToHex(head)}});
  }
  txn.exec_params(
      "UPDATE events e SET chain_hash = decode(r.hash, 'hex') "
      "  FROM jsonb_to_recordset($3::jsonb) AS r(seq bigint, hash text) "
      " WHERE e.org_id = $1 AND e.session_id = $2 AND e.seq = r.seq",
      org_id, session_id, hashes.dump());
  txn.exec_params(
      "UPDATE exam_sessions SET chain_head = decode($3, 'hex') WHERE org_id = $1 AND id = $2",
      org_id, session_id, ToHex(head));
}

}  // namespace

const char* SessionEndName(SessionEnd end) {
  switch (end) {
    case SessionEnd::kSubmit:
      return "submit";
    case SessionEnd::kTimeout:
      return "timeout";
  }
  return "submit";
}

json IngestResultToJson(const IngestResult& result) {
  json missing = json::array();
  for (const auto& [first, last] : result.missing) {
    missing.push_back({first, last});
  }
  return {{"acked_seq", result.acked_seq},
          {"missing", missing},
          {"conflicts", result.conflicts},
          {"submitted", result.submitted},
          {"ended_by", result.ended_by ? json(SessionEndName(*result.ended_by)) : json()}};
}

Result<IngestResult> IngestEventsInTransaction(pqxx::transaction_base& txn,
                                               const StudentPrincipal& student,
                                               const std::vector<Event>& events, UnixMillis now,
                                               const HeadSigner& sign) {
  IngestResult result;
  const OrgId org_id = student.org_id;
  const std::int64_t session_id = student.session_id;

  // The row lock serialises batches of one session, so acked_seq only grows.
  const pqxx::result session = txn.exec_params(
      "SELECT exam_id, acked_seq, ended_by, submit_seq, "
      "       (extract(epoch FROM deadline) * 1000)::bigint "
      "FROM exam_sessions WHERE org_id = $1 AND id = $2 FOR UPDATE",
      org_id, session_id);
  if (session.empty()) {
    return NotFound("the exam session no longer exists");
  }
  SessionRow row;
  row.exam_id = session[0][0].as<std::int64_t>();
  row.acked_seq = session[0][1].as<std::int64_t>();
  if (!session[0][2].is_null()) {
    row.ended_by =
        session[0][2].as<std::string>() == "timeout" ? SessionEnd::kTimeout : SessionEnd::kSubmit;
  }
  if (!session[0][3].is_null()) {
    row.submit_seq = session[0][3].as<std::int64_t>();
  }
  row.deadline = session[0][4].as<std::int64_t>();

  // The server's clock decides. Up to the deadline plus the grace period
  // every event is accepted. Later, only events that the page stamped before
  // that point are accepted, because they were made in time and delivered late.
  const UnixMillis closes_at = row.deadline + kDeadlineGraceMs;
  if (now > closes_at) {
    for (const Event& event : events) {
      if (event.client_time > closes_at) {
        return Conflict(fmt::format(
            "the exam session ended at {} (deadline plus {} s of grace); event seq {} was made "
            "at {} and is not accepted",
            FormatRfc3339(closes_at), kDeadlineGraceMs / 1000, event.seq,
            FormatRfc3339(event.client_time)));
      }
    }
  }

  std::set<std::string> keys;
  for (const pqxx::row& key : txn.exec_params(
           "SELECT key FROM questions WHERE org_id = $1 AND exam_id = $2", org_id, row.exam_id)) {
    keys.insert(key[0].as<std::string>());
  }

  json records = json::array();
  for (const Event& event : events) {
    if (!event.question.empty() && !keys.count(event.question)) {
      return InvalidArgument(fmt::format(
          "event (seq {}).question must be the key of one of the exam's questions, got \"{}\"",
          event.seq, event.question));
    }
    if (row.submit_seq && event.seq > *row.submit_seq) {
      return Conflict(fmt::format(
          "the exam session was submitted at seq {}; event seq {} comes after it and is not "
          "accepted",
          *row.submit_seq, event.seq));
    }
    if (event.type == EventType::kSubmit && (!row.submit_seq || event.seq < *row.submit_seq)) {
      row.submit_seq = event.seq;
    }
    records.push_back({{"seq", event.seq},
                       {"type", EventTypeName(event.type)},
                       {"question", event.question.empty() ? json() : json(event.question)},
                       {"t", event.client_time},
                       {"payload", event.payload}});
  }
  const std::string records_text = records.dump();

  const pqxx::result inserted = txn.exec_params(
      "INSERT INTO events (org_id, session_id, seq, type, question_key, client_time, "
      "                    received_at, payload) "
      "SELECT $1, $2, r.seq, r.type, r.question, to_timestamp(r.t / 1000), "
      "       to_timestamp($4::double precision / 1000), r.payload "
      "  FROM jsonb_to_recordset($3::jsonb) "
      "       AS r(seq bigint, type text, question text, t double precision, payload jsonb) "
      "ON CONFLICT (org_id, session_id, seq) DO NOTHING "
      "RETURNING seq",
      org_id, session_id, records_text, now);

  const pqxx::result conflicts = txn.exec_params(
      "INSERT INTO event_conflicts (org_id, session_id, seq, payload, received_at) "
      "SELECT $1, $2, r.seq, r.payload, to_timestamp($4::double precision / 1000) "
      "  FROM jsonb_to_recordset($3::jsonb) AS r(seq bigint, payload jsonb) "
      "  JOIN events e ON e.org_id = $1 AND e.session_id = $2 AND e.seq = r.seq "
      " WHERE e.payload <> r.payload "
      "RETURNING seq",
      org_id, session_id, records_text, now);
  for (const pqxx::row& conflict : conflicts) {
    result.conflicts.push_back(conflict[0].as<std::int64_t>());
  }

  if (!inserted.empty()) {
    txn.exec_params(
        "INSERT INTO snapshots (org_id, session_id, seq, question_key, text, sha256) "
        "SELECT $1, $2, e.seq, e.question_key, e.payload->>'text', e.payload->>'sha256' "
        "  FROM events e "
        " WHERE e.org_id = $1 AND e.session_id = $2 AND e.type = 'snapshot' "
        "   AND e.seq = ANY (SELECT (jsonb_array_elements($3::jsonb)->>'seq')::bigint) "
        "ON CONFLICT DO NOTHING",
        org_id, session_id, records_text);
  }

  result.acked_seq = row.acked_seq;
  AdvanceAcked(txn.exec_params("SELECT seq FROM events WHERE org_id = $1 AND session_id = $2 "
                               "AND seq > $3 ORDER BY seq",
                               org_id, session_id, row.acked_seq),
               result);

  if (result.acked_seq > row.acked_seq) {
    ExtendSessionChain(txn, org_id, session_id, row.acked_seq, result.acked_seq);
  }

  // The earliest stored submit event ends the session.
  const pqxx::result stored_submit = txn.exec_params(
      "SELECT min(seq) FROM events WHERE org_id = $1 AND session_id = $2 AND type = 'submit'",
      org_id, session_id);
  std::optional<std::int64_t> submit_seq;
  if (!stored_submit[0][0].is_null()) {
    submit_seq = stored_submit[0][0].as<std::int64_t>();
  }
  // A submit ends the session once every event up to it is stored, also
  // when the session had ended by timeout: the submit was made in time.
  // Events delivered after a timeout only replay the submission again.
  const bool ends_by_submit =
      submit_seq && result.acked_seq >= *submit_seq && row.ended_by != SessionEnd::kSubmit;
  const bool extends_timeout =
      !ends_by_submit && row.ended_by == SessionEnd::kTimeout && result.acked_seq > row.acked_seq;
  if (ends_by_submit) {
    if (Status stored = StoreSubmission(txn, org_id, session_id, row.exam_id, *submit_seq,
                                        SessionEnd::kSubmit, now);
        !stored) {
      return stored.error();
    }
    AuditSession(txn, org_id, session_id, "session.submit", true);
    row.ended_by = SessionEnd::kSubmit;
  } else if (extends_timeout) {
    if (Status stored = StoreSubmission(txn, org_id, session_id, row.exam_id, result.acked_seq + 1,
                                        SessionEnd::kTimeout, now);
        !stored) {
      return stored.error();
    }
    AuditSession(txn, org_id, session_id, "submission.update", true,
                 {{"acked_seq", result.acked_seq}});
  }
  if ((ends_by_submit || extends_timeout) && sign) {
    SignSubmittedHead(txn, org_id, session_id, result.acked_seq, sign);
  }
  result.submitted = row.ended_by.has_value();
  result.ended_by = row.ended_by;

  txn.exec_params(
      "UPDATE exam_sessions SET acked_seq = $3, submit_seq = NULLIF($4, 0), "
      "       last_event_at = to_timestamp($5::double precision / 1000) "
      "WHERE org_id = $1 AND id = $2",
      org_id, session_id, result.acked_seq, submit_seq.value_or(0), now);
  return result;
}

Result<IngestResult> IngestEvents(Database& db, const StudentPrincipal& student,
                                  const std::vector<Event>& events, const Clock& clock,
                                  const HeadSigner& sign) {
  const UnixMillis now = clock.Now();
  std::optional<IngestResult> stored;
  Status status = db.InTenant(student.org_id, [&](pqxx::transaction_base& txn) -> Status {
    Result<IngestResult> result = IngestEventsInTransaction(txn, student, events, now, sign);
    if (!result) {
      return result.error();
    }
    stored = std::move(*result);
    return {};
  });
  if (!status) {
    return status.error();
  }
  return *std::move(stored);
}

namespace {

// Whether `value`, stored in a jsonb column and read back, parses to the same
// JSON value, so that its canonical text can be computed before it is
// stored. A floating-point number may not (jsonb keeps decimal digits and has
// no negative zero), and jsonb rejects a string containing U+0000.
bool SurvivesJsonb(const json& value) {
  switch (value.type()) {
    case json::value_t::number_float:
      return false;
    case json::value_t::string:
      return value.get_ref<const std::string&>().find('\0') == std::string::npos;
    case json::value_t::array:
    case json::value_t::object:
      return std::all_of(value.begin(), value.end(), SurvivesJsonb);
    default:
      return true;
  }
}

// Runs IngestEventsInTransaction for one request under a savepoint, which is
// rolled back when the request fails.
Result<IngestResult> IngestInSavepoint(pqxx::dbtransaction& txn, const IngestRequest& request,
                                       UnixMillis now, const HeadSigner& sign) {
  pqxx::subtransaction savepoint(txn, "request");
  try {
    savepoint.exec_params("SELECT set_config('app.org_id', $1, true)",
                          std::to_string(request.student->org_id));
    Result<IngestResult> result =
        IngestEventsInTransaction(savepoint, *request.student, *request.events, now, sign);
    if (result) {
      savepoint.commit();
    } else {
      savepoint.abort();
    }
    return result;
  } catch (const pqxx::sql_error& error) {
    savepoint.abort();
    return ErrorFromSql(error);
  }
}

// Builds the text of a one-dimensional PostgreSQL array, such as
// {1,2,3} or {"a","b\"c",NULL}, to pass as one statement argument.
class ArrayLiteral {
 public:
  void Add(std::int64_t value) {
    Separate();
    text_ += std::to_string(value);
  }

  // Quotes every text element, so that empty strings, spaces, braces and the
  // word NULL stay what they are.
  void Add(std::string_view value) {
    Separate();
    text_ += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') {
        text_ += '\\';
      }
      text_ += c;
    }
    text_ += '"';
  }

  void AddOrNull(std::string_view value) {
    if (value.empty()) {
      Separate();
      text_ += "NULL";
    } else {
      Add(value);
    }
  }

  std::string Text() const { return text_ + '}'; }

 private:
  void Separate() {
    if (text_.size() > 1) {
      text_ += ',';
    }
  }

  std::string text_ = "{";
};

// Stores together, in set-based statements, the requests of one
// organization (`indices` into `requests`, ordered by session) that are the
// next events of their session, and sets their results. Leaves the others'
// results unset. app.org_id must be set to `org_id`. Throws pqxx::sql_error
// when a statement fails.
void StoreTogether(pqxx::transaction_base& txn, OrgId org_id,
                   const std::vector<std::size_t>& indices,
                   const std::vector<IngestRequest>& requests, UnixMillis now,
                   std::vector<std::optional<Result<IngestResult>>>& results) {
  ArrayLiteral session_ids;
  std::int64_t previous_session_id = 0;
  for (std::size_t index : indices) {
    const std::int64_t session_id = requests[index].student->session_id;
    if (session_id != previous_session_id) {
      session_ids.Add(session_id);
      previous_session_id = session_id;
    }
  }

  struct Session {
    std::int64_t acked_seq = 0;
    bool open = false;  // not submitted, no submit event stored, before deadline + grace
    std::string head;   // the chain head, raw bytes
    std::set<std::string> question_keys;
    bool considered = false;  // an earlier request of this group was for this session
  };
  std::map<std::int64_t, Session> sessions;
  // Locks the group's sessions as IngestEventsInTransaction locks one.
  // PostgreSQL locks the rows as it reads the sorted result, so every group
  // locks in id order and two groups cannot deadlock on them.
  for (const pqxx::row& row : txn.exec_params(
           "SELECT s.id, s.acked_seq, "
           "       s.submitted_at IS NULL AND s.submit_seq IS NULL "
           "         AND (extract(epoch FROM s.deadline) * 1000)::bigint + $3 >= $4 "
           "         AND coalesce((SELECT max(e.seq) FROM events e "
           "                        WHERE e.org_id = s.org_id AND e.session_id = s.id), 0) "
           "             <= s.acked_seq, "
           "       encode(s.chain_head, 'hex'), "
           "       (SELECT coalesce(json_agg(q.key), '[]')::text FROM questions q "
           "         WHERE q.org_id = s.org_id AND q.exam_id = s.exam_id) "
           "  FROM exam_sessions s "
           " WHERE s.org_id = $1 AND s.id = ANY ($2::bigint[]) "
           " ORDER BY s.id FOR UPDATE OF s",
           org_id, session_ids.Text(), kDeadlineGraceMs, now)) {
    Session& session = sessions[row[0].as<std::int64_t>()];
    session.acked_seq = row[1].as<std::int64_t>();
    session.open = row[2].as<bool>();
    session.head = FromHex(row[3].as<std::string>());
    for (const json& key : json::parse(row[4].as<std::string>())) {
      session.question_keys.insert(key.get<std::string>());
    }
  }

  // The statement takes one PostgreSQL array per column, because PostgreSQL
  // parses these faster than one JSON document of every event. Each payload
  // goes in as its canonical text, which the chain hashes anyway.
  ArrayLiteral events_session;
  ArrayLiteral events_seq;
  ArrayLiteral events_type;
  ArrayLiteral events_question;
  ArrayLiteral events_time;
  ArrayLiteral events_payload;
  ArrayLiteral events_hash;
  ArrayLiteral snapshots_session;
  ArrayLiteral snapshots_seq;
  ArrayLiteral snapshots_question;
  ArrayLiteral snapshots_payload;
  ArrayLiteral heads_session;
  ArrayLiteral heads_acked;
  ArrayLiteral heads_hash;
  std::size_t event_count = 0;
  std::size_t head_count = 0;
  for (std::size_t index : indices) {
    const IngestRequest& request = requests[index];
    const std::int64_t session_id = request.student->session_id;
    auto found = sessions.find(session_id);
    if (found == sessions.end() || found->second.considered) {
      continue;
    }
    Session& session = found->second;
    session.considered = true;
    const std::vector<Event>& batch = *request.events;
    bool next = session.open && !batch.empty();
    for (std::size_t i = 0; next && i < batch.size(); ++i) {
      const Event& event = batch[i];
      next = event.seq == session.acked_seq + 1 + static_cast<std::int64_t>(i) &&
             event.type != EventType::kSubmit &&
             (event.question.empty() || session.question_keys.count(event.question)) &&
             SurvivesJsonb(event.payload);
    }
    if (!next) {
      continue;
    }
    for (const Event& event : batch) {
      const std::string canonical = CanonicalEventText(event.payload);
      session.head = ExtendChain(session.head, canonical);
      events_session.Add(session_id);
      events_seq.Add(event.seq);
      events_type.Add(EventTypeName(event.type));
      events_question.AddOrNull(event.question);
      events_time.Add(event.client_time);
      events_payload.Add(canonical);
      events_hash.Add(ToHex(session.head));
      ++event_count;
      if (event.type == EventType::kSnapshot) {
        snapshots_session.Add(session_id);
        snapshots_seq.Add(event.seq);
        snapshots_question.AddOrNull(event.question);
        snapshots_payload.Add(canonical);
      }
    }
    session.acked_seq = batch.back().seq;
    heads_session.Add(session_id);
    heads_acked.Add(session.acked_seq);
    heads_hash.Add(ToHex(session.head));
    ++head_count;
    IngestResult result;
    result.acked_seq = session.acked_seq;
    results[index] = std::move(result);
  }
  if (head_count == 0) {
    return;
  }

  // One statement stores the events and snapshots and moves the sessions on.
  const pqxx::row counts = txn.exec_params1(
      "WITH stored AS ("
      "  INSERT INTO events (org_id, session_id, seq, type, question_key, client_time, "
      "                      received_at, payload, chain_hash) "
      "  SELECT $1, r.s, r.seq, r.type, r.question, to_timestamp(r.t::double precision / 1000), "
      "         to_timestamp($2::double precision / 1000), r.payload::jsonb, decode(r.hash, 'hex') "
      "    FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], "
      "                $8::text[], $9::text[]) AS r(s, seq, type, question, t, payload, hash) "
      "  RETURNING 1), "
      "snapshots_stored AS ("
      "  INSERT INTO snapshots (org_id, session_id, seq, question_key, text, sha256) "
      "  SELECT $1, r.s, r.seq, r.question, r.payload::jsonb->>'text', "
      "         r.payload::jsonb->>'sha256' "
      "    FROM unnest($10::bigint[], $11::bigint[], $12::text[], $13::text[]) "
      "         AS r(s, seq, question, payload) "
      "  ON CONFLICT DO NOTHING), "
      "moved AS ("
      "  UPDATE exam_sessions s SET acked_seq = r.acked, chain_head = decode(r.head, 'hex'), "
      "         last_event_at = to_timestamp($2::double precision / 1000) "
      "    FROM unnest($14::bigint[], $15::bigint[], $16::text[]) AS r(id, acked, head) "
      "   WHERE s.org_id = $1 AND s.id = r.id "
      "  RETURNING 1) "
      "SELECT (SELECT count(*) FROM stored), (SELECT count(*) FROM moved)",
      org_id, now, events_session.Text(), events_seq.Text(), events_type.Text(),
      events_question.Text(), events_time.Text(), events_payload.Text(), events_hash.Text(),
      snapshots_session.Text(), snapshots_seq.Text(), snapshots_question.Text(),
      snapshots_payload.Text(), heads_session.Text(), heads_acked.Text(), heads_hash.Text());
  if (counts[0].as<std::size_t>() != event_count || counts[1].as<std::size_t>() != head_count) {
    throw pqxx::sql_error(fmt::format("stored {} of {} events and moved {} of {} exam sessions",
                                      counts[0].as<std::size_t>(), event_count,
                                      counts[1].as<std::size_t>(), head_count));
  }
}

}  // namespace

IngestGroupResult IngestGroupInTransaction(pqxx::dbtransaction& txn,
                                           const std::vector<IngestRequest>& requests,
                                           UnixMillis now, const HeadSigner& sign,
                                           GroupMode mode) {
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::pair(requests[a].student->org_id, requests[a].student->session_id) <
           std::pair(requests[b].student->org_id, requests[b].student->session_id);
  });

  IngestGroupResult group;
  std::vector<std::optional<Result<IngestResult>>> results(requests.size());
  for (std::size_t begin = 0; begin < order.size();) {
    const OrgId org_id = requests[order[begin]].student->org_id;
    std::size_t end = begin;
    while (end < order.size() && requests[order[end]].student->org_id == org_id) {
      ++end;
    }
    const std::vector<std::size_t> indices(order.begin() + begin, order.begin() + end);
    if (mode == GroupMode::kTogether) {
      txn.exec_params("SELECT set_config('app.org_id', $1, true)", std::to_string(org_id));
      StoreTogether(txn, org_id, indices, requests, now, results);
    }
    for (std::size_t index : indices) {
      if (results[index]) {
        ++group.stored_together;
      } else {
        results[index] = IngestInSavepoint(txn, requests[index], now, sign);
      }
    }
    begin = end;
  }

  group.results.reserve(results.size());
  for (auto& result : results) {
    group.results.push_back(std::move(*result));
  }
  return group;
}

Result<json> PullEvents(Database& db, const StaffPrincipal& staff, std::string_view exam_ref,
                        const EventQuery& query) {
  if (query.limit < 1 || query.limit > 10000) {
    return InvalidArgument(fmt::format("limit must be from 1 to 10000, got {}", query.limit));
  }
  json page = {{"events", json::array()}, {"next_cursor", nullptr}};
  Status status = db.InTenant(staff.org_id, [&](pqxx::transaction_base& txn) -> Status {
    const pqxx::result exam = txn.exec_params(
        fmt::format("SELECT id FROM exams WHERE {}", internal::kExamByRef), staff.org_id,
        std::string(exam_ref), staff.role == StaffRole::kAdmin,
        staff.user_id);
    if (exam.empty()) {
      return NotFound(fmt::format("exam \"{}\" not found", exam_ref));
    }
    const std::int64_t exam_id = exam[0][0].as<std::int64_t>();
    if (query.session_id) {
      const pqxx::result session = txn.exec_params(
          "SELECT 1 FROM exam_sessions WHERE org_id = $1 AND id = $2 AND exam_id = $3",
          staff.org_id, *query.session_id, exam_id);
      if (session.empty()) {
        return NotFound(
            fmt::format("exam session {} not found in exam \"{}\"", *query.session_id, exam_ref));
      }
    }

    const pqxx::result rows = txn.exec_params(
        "SELECT e.session_id, e.seq, r.student_id, "
        "       (extract(epoch FROM e.received_at) * 1000)::bigint, e.payload::text, "
        "       encode(e.chain_hash, 'hex') "
        "  FROM events e "
        "  JOIN exam_sessions s ON s.org_id = e.org_id AND s.id = e.session_id "
        "  JOIN roster_entries r ON r.org_id = s.org_id AND r.id = s.roster_entry_id "
        " WHERE e.org_id = $1 AND s.exam_id = $2 "
        "   AND ($3::bigint = 0 OR e.session_id = $3::bigint) AND e.seq > $4::bigint "
        "   AND (e.session_id, e.seq) > ($5::bigint, $6::bigint) "
        " ORDER BY e.session_id, e.seq "
        " LIMIT $7",
        staff.org_id, exam_id, query.session_id.value_or(0), query.after_seq,
        query.cursor_session, query.cursor_seq, query.limit + 1);

    const std::size_t count = std::min<std::size_t>(rows.size(), query.limit);
    for (std::size_t i = 0; i < count; ++i) {
      json event = json::parse(rows[i][4].as<std::string>());
      event["session_id"] = rows[i][0].as<std::int64_t>();
      event["student_id"] = rows[i][2].as<std::string>();
      event["received_at"] = FormatRfc3339(rows[i][3].as<std::int64_t>());
      event["chain_hash"] = rows[i][5].is_null() ? json() : json(rows[i][5].as<std::string>());
      page["events"].push_back(std::move(event));
    }
    if (rows.size() > count) {
      page["next_cursor"] = fmt::format("{}:{}", rows[count - 1][0].as<std::int64_t>(),
                                        rows[count - 1][1].as<std::int64_t>());
      return {};
    }
    page["chain_heads"] = json::array();
    for (const pqxx::row& head : txn.exec_params(
             "SELECT id, acked_seq, encode(chain_head, 'hex') FROM exam_sessions "
             "WHERE org_id = $1 AND exam_id = $2 AND ($3::bigint = 0 OR id = $3::bigint) "
             "ORDER BY id",
             staff.org_id, exam_id, query.session_id.value_or(0))) {
      page["chain_heads"].push_back({{"org_id", staff.org_id},
                                     {"session_id", head[0].as<std::int64_t>()},
                                     {"seq", head[1].as<std::int64_t>()},
                                     {"head", head[2].as<std::string>()}});
    }
    return {};
  });
  if (!status) {
    return status.error();
  }
  return page;
}

}  // namespace exam
