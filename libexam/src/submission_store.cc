#include "submission_store.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string>

#include "exam/crypto.h"
#include "exam/evidence.h"
#include "exam/replay.h"
#include "replay_events.h"

namespace exam {

// A snapshot replaces its question's replayed text. So the replay starts from
// each question's last snapshot and reads only the edits after it, and a
// class submitting at once does not read every session from seq 1.
Status StoreSubmission(pqxx::transaction_base& txn, OrgId org_id, std::int64_t session_id,
                       std::int64_t exam_id, std::int64_t before_seq, SessionEnd ended_by,
                       UnixMillis now) {
  std::map<std::string, std::string> texts;
  const pqxx::result questions = txn.exec_params(
      "SELECT key, starter FROM questions WHERE org_id = $1 AND exam_id = $2", org_id, exam_id);
  for (const pqxx::row& question : questions) {
    texts[question[0].as<std::string>()] = question[1].as<std::string>();
  }

  std::map<std::string, std::int64_t> snapshot_seqs;
  for (const pqxx::row& snapshot : txn.exec_params(
           "SELECT DISTINCT ON (question_key) question_key, seq, text FROM snapshots "
           " WHERE org_id = $1 AND session_id = $2 AND seq < $3 "
           " ORDER BY question_key, seq DESC",
           org_id, session_id, before_seq)) {
    const std::string key = snapshot[0].as<std::string>();
    if (texts.count(key)) {
      texts[key] = snapshot[2].as<std::string>();
      snapshot_seqs[key] = snapshot[1].as<std::int64_t>();
    }
  }
  // Loads the events after the earliest of the questions' last snapshots. A
  // question without a snapshot needs all of its edits.
  std::int64_t after_seq = std::numeric_limits<std::int64_t>::max();
  for (const auto& [key, text] : texts) {
    auto found = snapshot_seqs.find(key);
    after_seq = std::min(after_seq, found == snapshot_seqs.end() ? 0 : found->second);
  }

  Replayer replayer(texts);
  auto events = LoadReplayEvents(txn, org_id, session_id, before_seq, after_seq);
  if (!events) {
    return events.error();
  }
  events->erase(std::remove_if(events->begin(), events->end(),
                               [&](const Event& event) {
                                 auto found = snapshot_seqs.find(event.question);
                                 return found != snapshot_seqs.end() &&
                                        event.seq <= found->second;
                               }),
                events->end());
  replayer.ApplyAll(*events);

  txn.exec_params(
      "UPDATE exam_sessions "
      "   SET ended_by = $3, "
      "       submitted_at = CASE WHEN $3 = 'timeout' THEN deadline "
      "                           ELSE to_timestamp($4::double precision / 1000) END "
      " WHERE org_id = $1 AND id = $2",
      org_id, session_id, SessionEndName(ended_by), now);
  for (const auto& [key, text] : replayer.Texts()) {
    txn.exec_params(
        "INSERT INTO submissions (org_id, session_id, question_key, text, sha256, submitted_at) "
        "SELECT $1, $2, $3, $4, $5, s.submitted_at "
        "  FROM exam_sessions s WHERE s.org_id = $1 AND s.id = $2 "
        "ON CONFLICT (org_id, session_id, question_key) DO UPDATE "
        "  SET text = EXCLUDED.text, sha256 = EXCLUDED.sha256, "
        "      submitted_at = EXCLUDED.submitted_at",
        org_id, session_id, key, text, Sha256Hex(text));
  }
  return {};
}

void SignSubmittedHead(pqxx::transaction_base& txn, OrgId org_id, std::int64_t session_id,
                       std::int64_t acked_seq, const HeadSigner& sign) {
  const pqxx::row head = txn.exec_params1(
      "SELECT encode(chain_head, 'hex') FROM exam_sessions WHERE org_id = $1 AND id = $2", org_id,
      session_id);
  const std::string message =
      ChainHeadMessage(org_id, session_id, acked_seq, head[0].as<std::string>());
  txn.exec_params("UPDATE exam_sessions SET submit_signature = $3 WHERE org_id = $1 AND id = $2",
                  org_id, session_id, sign(message));
}

void AuditSession(pqxx::transaction_base& txn, OrgId org_id, std::int64_t session_id,
                  std::string_view action, bool by_student, const nlohmann::json& detail) {
  txn.exec_params(
      "INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id, "
      "                       detail) "
      "SELECT $1, CASE WHEN $4 THEN 'student' ELSE 'system' END, "
      "       CASE WHEN $4 THEN roster_entry_id END, $3, 'exam_session', $2, $5::jsonb "
      "  FROM exam_sessions WHERE org_id = $1 AND id = $2",
      org_id, session_id, std::string(action), by_student, detail.dump());
}

}  // namespace exam
