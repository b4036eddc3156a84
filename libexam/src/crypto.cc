#include "exam/crypto.h"

#include <sodium.h>

namespace exam {

bool InitCrypto() { return sodium_init() >= 0; }

std::string Sha256(std::string_view data) {
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return digest;
}

std::string ToHex(std::string_view bytes) {
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                 bytes.size());
  hex.pop_back();
  return hex;
}

std::string FromHex(std::string_view hex) {
  std::string bytes(hex.size() / 2, '\0');
  std::size_t length = 0;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), hex.data(),
                     hex.size(), nullptr, &length, nullptr) != 0 ||
      length != bytes.size()) {
    return {};
  }
  return bytes;
}

std::string Sha256Hex(std::string_view data) { return ToHex(Sha256(data)); }

std::string NewSecret(std::string_view prefix) {
  unsigned char random[32];
  randombytes_buf(random, sizeof random);

  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string encoded(sodium_base64_ENCODED_LEN(sizeof random, variant), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), random, sizeof random, variant);
  encoded.resize(encoded.find('\0'));
  return std::string(prefix) + encoded;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace exam
