#include "exam/evidence.h"

#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>

#include "exam/crypto.h"
#include "exam/event.h"

namespace exam {
namespace {

constexpr int kBase64 = sodium_base64_VARIANT_ORIGINAL;

std::string ToBase64(std::string_view bytes) {
  std::string encoded(sodium_base64_ENCODED_LEN(bytes.size(), kBase64), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), kBase64);
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool FromBase64(std::string_view text, std::string& bytes, std::size_t expected_size) {
  bytes.assign(expected_size, '\0');
  std::size_t length = 0;
  const int result = sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()),
                                       bytes.size(), text.data(), text.size(), nullptr, &length,
                                       nullptr, kBase64);
  return result == 0 && length == expected_size;
}

}  // namespace

std::string ChainGenesis() { return std::string(32, '\0'); }

std::string ExtendChain(std::string_view previous_head, std::string_view canonical_event) {
  std::string input;
  input.reserve(previous_head.size() + canonical_event.size());
  input.append(previous_head);
  input.append(canonical_event);
  return Sha256(input);
}

std::string ChainHeadMessage(std::int64_t org_id, std::int64_t session_id, std::int64_t seq,
                             std::string_view head_hex) {
  return fmt::format("examination-center chain head v1\norg {}\nsession {}\nseq {}\nhead {}\n",
                     org_id, session_id, seq, head_hex);
}

Result<SigningKey> SigningKey::LoadOrCreate(const std::filesystem::path& path) {
  SigningKey key;
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    struct stat info {};
    if (stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
      return InvalidArgument(fmt::format(
          "signing key {} is readable by other users; run chmod 600 {}", path.string(),
          path.string()));
    }
    std::ifstream stream(path);
    std::string text;
    std::getline(stream, text);
    std::string secret;
    if (!FromBase64(text, secret, crypto_sign_SECRETKEYBYTES)) {
      return InvalidArgument(fmt::format(
          "signing key {} is not a base64 Ed25519 secret key; move it away to create a new one",
          path.string()));
    }
    key.secret_key_ = secret;
  } else {
    unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
    std::string secret(crypto_sign_SECRETKEYBYTES, '\0');
    crypto_sign_keypair(public_key, reinterpret_cast<unsigned char*>(secret.data()));
    const mode_t previous = umask(077);
    std::ofstream stream(path);
    stream << ToBase64(secret) << "\n";
    stream.close();
    umask(previous);
    if (!stream) {
      return InvalidArgument(fmt::format("cannot write signing key {}", path.string()));
    }
    key.secret_key_ = secret;
  }
  // libsodium's secret key ends with the public key.
  key.public_key_base64_ =
      ToBase64(std::string_view(key.secret_key_).substr(crypto_sign_SECRETKEYBYTES -
                                                        crypto_sign_PUBLICKEYBYTES));
  return key;
}

std::string SigningKey::Sign(std::string_view message) const {
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(),
                       reinterpret_cast<const unsigned char*>(secret_key_.data()));
  return ToBase64(std::string_view(reinterpret_cast<const char*>(signature), sizeof signature));
}

bool VerifySignature(std::string_view public_key_base64, std::string_view message,
                     std::string_view signature_base64) {
  std::string public_key;
  std::string signature;
  if (!FromBase64(public_key_base64, public_key, crypto_sign_PUBLICKEYBYTES) ||
      !FromBase64(signature_base64, signature, crypto_sign_BYTES)) {
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

const std::vector<std::string>& ServerEventFields() {
  static const std::vector<std::string> fields = {"session_id", "student_id", "received_at",
                                                  "chain_hash"};
  return fields;
}

Result<VerifyReport> VerifyExport(const nlohmann::json& exported,
                                  std::string_view public_key_base64) {
  using nlohmann::json;
  if (!exported.is_object() || !exported.contains("events") || !exported["events"].is_array() ||
      !exported.contains("chain_heads") || !exported["chain_heads"].is_array()) {
    return InvalidArgument(
        "the file is not an export with events and chain_heads; write one with `examctl events "
        "pull EXAM --format json -o FILE`");
  }

  std::string key_bytes;
  if (!FromBase64(public_key_base64, key_bytes, crypto_sign_PUBLICKEYBYTES)) {
    return InvalidArgument(fmt::format(
        "the public key \"{}\" is not {} bytes in base64; pass the key that `examctl "
        "server-key` prints",
        public_key_base64, crypto_sign_PUBLICKEYBYTES));
  }

  VerifyReport report;
  std::map<std::int64_t, std::vector<const json*>> by_session;
  for (const json& event : exported["events"]) {
    if (!event.is_object() || !event.value("session_id", json()).is_number_integer() ||
        !event.value("seq", json()).is_number_integer()) {
      report.problems.push_back("an event has no integer session_id and seq");
      return report;
    }
    by_session[event["session_id"].get<std::int64_t>()].push_back(&event);
  }

  // The order of the file is the order of evidence: no sorting here, so a
  // reordered export is reported rather than repaired.
  std::map<std::int64_t, std::pair<std::int64_t, std::string>> last;  // session -> (seq, head hex)
  std::map<std::int64_t, bool> broken;  // sessions already reported
  for (const auto& [session_id, events] : by_session) {
    ++report.sessions;
    std::string head = ChainGenesis();
    std::int64_t expected_seq = 1;
    for (const json* event : events) {
      const std::int64_t seq = (*event)["seq"].get<std::int64_t>();
      if (seq != expected_seq) {
        report.problems.push_back(fmt::format(
            "session {}: expected seq {} but found seq {}: an event is missing or out of order",
            session_id, expected_seq, seq));
        broken[session_id] = true;
        break;
      }
      json payload = *event;
      for (const std::string& field : ServerEventFields()) {
        payload.erase(field);
      }
      head = ExtendChain(head, CanonicalEventText(payload));
      if (event->value("chain_hash", json()) != ToHex(head)) {
        report.problems.push_back(fmt::format(
            "session {}: event seq {} does not match its chain hash: it or an earlier event was "
            "changed",
            session_id, seq));
        broken[session_id] = true;
        break;
      }
      ++report.events;
      ++expected_seq;
    }
    last[session_id] = {expected_seq - 1, ToHex(head)};
  }

  std::map<std::int64_t, bool> signed_sessions;  // sessions with a chain head, signed or not
  for (const json& chain_head : exported["chain_heads"]) {
    const std::int64_t session_id = chain_head.value("session_id", std::int64_t{0});
    signed_sessions[session_id] = true;
    const std::int64_t seq = chain_head.value("seq", std::int64_t{0});
    const std::string head_hex = chain_head.value("head", std::string());
    const std::string message =
        ChainHeadMessage(chain_head.value("org_id", std::int64_t{0}), session_id, seq, head_hex);
    if (!VerifySignature(public_key_base64, message, chain_head.value("signature", std::string()))) {
      report.problems.push_back(fmt::format(
          "session {}: the signature of the chain head does not verify with this public key",
          session_id));
      continue;
    }
    if (broken.count(session_id)) {
      continue;  // the first bad event is already named
    }
    auto found = last.find(session_id);
    const std::int64_t last_seq = found == last.end() ? 0 : found->second.first;
    const std::string last_head = found == last.end() ? ToHex(ChainGenesis()) : found->second.second;
    if (seq != last_seq || head_hex != last_head) {
      report.problems.push_back(fmt::format(
          "session {}: the signed head is for seq {}, but the events end at seq {} with another "
          "head: events were removed or added after signing",
          session_id, seq, last_seq));
    }
  }
  for (const auto& [session_id, unused] : last) {
    if (!signed_sessions.count(session_id)) {
      report.problems.push_back(fmt::format("session {}: no signed chain head", session_id));
    }
  }
  return report;
}

}  // namespace exam
