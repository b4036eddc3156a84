#include "exam/crypto.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

// Secrets carry 32 random bytes, which unpadded base64url writes as 43 characters.
constexpr std::size_t kSecretEncodedLength = 43;

bool IsBase64UrlCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

TEST_CASE("new secret has prefix and length") {
  REQUIRE(exam::InitCrypto());
  for (const std::string prefix : {"ect_", "inv_", "est_", ""}) {
    CAPTURE(prefix);
    const std::string secret = exam::NewSecret(prefix);
    CHECK(secret.size() == prefix.size() + kSecretEncodedLength);
    CHECK(secret.substr(0, prefix.size()) == prefix);
  }
}

TEST_CASE("new secret uses base64url alphabet") {
  REQUIRE(exam::InitCrypto());
  // 200 secrets contain 8600 random characters, so '-' and '_' each go missing
  // with a probability of about (63/64)^8600, below 1e-58.
  std::string seen;
  for (int i = 0; i < 200; ++i) {
    const std::string body = exam::NewSecret("inv_").substr(4);
    for (char c : body) {
      CAPTURE(body);
      REQUIRE(IsBase64UrlCharacter(c));
    }
    seen += body;
  }
  CHECK(seen.find('=') == std::string::npos);
  CHECK(seen.find('-') != std::string::npos);
  CHECK(seen.find('_') != std::string::npos);
}

TEST_CASE("two new secrets differ") {
  REQUIRE(exam::InitCrypto());
  CHECK(exam::NewSecret("ect_") != exam::NewSecret("ect_"));
}

TEST_CASE("sha256 matches FIPS 180-2 vectors") {
  REQUIRE(exam::InitCrypto());
  CHECK(exam::Sha256Hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(exam::Sha256Hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(exam::Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256 returns 32 raw bytes") {
  REQUIRE(exam::InitCrypto());
  const std::string digest = exam::Sha256("abc");
  CHECK(digest.size() == 32);
  CHECK(exam::ToHex(digest) == exam::Sha256Hex("abc"));
}

TEST_CASE("to hex writes lower-case digits") {
  CHECK(exam::ToHex("") == "");
  CHECK(exam::ToHex(std::string("\x00\xAB\xff", 3)) == "00abff");
}

TEST_CASE("constant time equals compares content") {
  REQUIRE(exam::InitCrypto());
  CHECK(exam::ConstantTimeEquals("", ""));
  CHECK(exam::ConstantTimeEquals("inv_abc", "inv_abc"));
  CHECK_FALSE(exam::ConstantTimeEquals("inv_abc", "inv_abd"));
  CHECK_FALSE(exam::ConstantTimeEquals("inv_abc", "xnv_abc"));
  CHECK_FALSE(exam::ConstantTimeEquals("inv_abc", "inv_ab"));
  CHECK_FALSE(exam::ConstantTimeEquals("", "a"));
  CHECK(exam::ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(exam::ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}
