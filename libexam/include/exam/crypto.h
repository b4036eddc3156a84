// Hashing and random secrets, on libsodium. Every function is safe to call
// from several threads; InitCrypto() must have run once before any of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace exam {

// Initialises libsodium. Returns false when the system has no usable source
// of randomness. Safe to call more than once.
bool InitCrypto();

// SHA-256 of `data`, as 32 raw bytes.
std::string Sha256(std::string_view data);

// SHA-256 of `data`, as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

std::string ToHex(std::string_view bytes);

// Decodes hex digits to bytes; returns an empty string for invalid input.
std::string FromHex(std::string_view hex);

// A new secret: `prefix` followed by 32 random bytes in unpadded base64url
// (43 characters). The prefix ("ect_" for API tokens, "inv_" for invites,
// "est_" for exam session tokens) lets secret scanners and people tell them apart.
std::string NewSecret(std::string_view prefix);

// Compares two strings in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace exam
