#include "session_token_cache.h"

#include "exam/auth.h"
#include "exam/crypto.h"

namespace examd {

SessionTokenCache::SessionTokenCache(std::size_t capacity, std::chrono::seconds ttl)
    : capacity_(capacity), ttl_(ttl) {}

exam::Result<exam::StudentPrincipal> SessionTokenCache::Authenticate(exam::Database& db,
                                                                     std::string_view token) {
  const std::string key = exam::Sha256(token);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = index_.find(key);
    if (found != index_.end()) {
      if (found->second->expires > now) {
        entries_.splice(entries_.begin(), entries_, found->second);
        return found->second->student;
      }
      entries_.erase(found->second);
      index_.erase(found);
    }
  }

  // The look-up runs without the lock, so two requests with the same new
  // token may both query the database. The second insert is then skipped.
  exam::Result<exam::StudentPrincipal> student = exam::AuthenticateSessionToken(db, token);
  if (!student) {
    return student;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (index_.count(key)) {
    return student;
  }
  entries_.push_front(Entry{key, *student, now + ttl_});
  index_.emplace(key, entries_.begin());
  if (entries_.size() > capacity_) {
    index_.erase(entries_.back().key);
    entries_.pop_back();
  }
  return student;
}

void SessionTokenCache::Forget(std::string_view token) {
  const std::string key = exam::Sha256(token);
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = index_.find(key);
  if (found != index_.end()) {
    entries_.erase(found->second);
    index_.erase(found);
  }
}

std::size_t SessionTokenCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace examd
