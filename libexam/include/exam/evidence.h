// Tamper evidence for recorded events. Each exam session has a hash chain:
// head_0 is 32 zero bytes and head_n = SHA-256(head_{n-1} || canonical text of
// event n), so changing, removing or reordering any event changes every later
// head. The server signs heads with an Ed25519 key, and VerifyExport checks
// an export against the server's public key without the server.
// Value types and free functions; SigningKey is immutable after loading and
// safe to share between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "exam/error.h"

namespace exam {

// 32 zero bytes: the head of a session with no events.
std::string ChainGenesis();

// Returns SHA-256(previous_head || canonical_event), 32 raw bytes.
std::string ExtendChain(std::string_view previous_head, std::string_view canonical_event);

// The bytes that a head signature covers. Binding the organization, session
// and seq keeps a signature from being moved to another session or point.
std::string ChainHeadMessage(std::int64_t org_id, std::int64_t session_id, std::int64_t seq,
                             std::string_view head_hex);

class SigningKey {
 public:
  // Reads the Ed25519 secret key at `path`, or creates one there (mode 0600)
  // when the file does not exist. Fails when the file exists but is not a key
  // or is readable by other users.
  static Result<SigningKey> LoadOrCreate(const std::filesystem::path& path);

  // The public key, base64 (standard alphabet, padded).
  const std::string& public_key() const { return public_key_base64_; }

  // Returns the detached signature of `message`, base64.
  std::string Sign(std::string_view message) const;

 private:
  std::string secret_key_;  // 64 raw bytes (libsodium's seed + public key form)
  std::string public_key_base64_;
};

// Returns whether `signature_base64` is a valid Ed25519 signature of
// `message` by `public_key_base64`.
bool VerifySignature(std::string_view public_key_base64, std::string_view message,
                     std::string_view signature_base64);

struct VerifyReport {
  int sessions = 0;
  std::int64_t events = 0;
  std::vector<std::string> problems;  // empty when everything matches
};

// Checks an export written by `examctl events pull --format json`: within
// each session the seqs run 1, 2, 3, ... with no gap, each event's chain_hash
// is recomputed from the events before it, and each session's signed head
// matches the last event and carries a valid signature by `public_key_base64`.
// Problems name the session and the first event that does not match.
Result<VerifyReport> VerifyExport(const nlohmann::json& exported,
                                  std::string_view public_key_base64);

// Fields that the server adds to an event in an export; a client may not send them.
const std::vector<std::string>& ServerEventFields();

}  // namespace exam
