// A bounded in-process cache of exam session tokens: SHA-256 of the token ->
// (organization, exam session). It saves the database round trip that
// exam::AuthenticateSessionToken makes on every student request. Safe to
// share between threads.
//
// Caching is safe across several examd instances because a session token is
// bound to one exam session for as long as it exists and never changes it.
// Only successful look-ups are cached. An entry lives at most `ttl`: were
// session tokens ever revoked, a revoked token would still pass here for up to
// `ttl` on each instance, unless revocation also reached every instance (for
// example through LISTEN/NOTIFY) and called Forget. A deleted exam session is
// still caught, because every storage call looks the session row up again.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "exam/database.h"
#include "exam/error.h"
#include "exam/principal.h"

namespace examd {

class SessionTokenCache {
 public:
  // REQUIRES: capacity >= 1.
  SessionTokenCache(std::size_t capacity, std::chrono::seconds ttl);

  // Returns the exam session behind `token`, from the cache when a live entry
  // exists, else through exam::AuthenticateSessionToken, whose success is then
  // cached. The least recently used entry makes room when the cache is full.
  exam::Result<exam::StudentPrincipal> Authenticate(exam::Database& db, std::string_view token);

  // Removes the entry of `token`, if any.
  void Forget(std::string_view token);

  std::size_t size() const;

 private:
  struct Entry {
    std::string key;  // SHA-256 of the token, raw bytes
    exam::StudentPrincipal student;
    std::chrono::steady_clock::time_point expires;
  };

  const std::size_t capacity_;
  const std::chrono::seconds ttl_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace examd
