// Error values returned across libexam's public API. Expected failures (bad
// input, a missing object, a conflict) are returned as values, never thrown;
// the server maps ErrorCode to an HTTP status in one place and examctl maps it
// to an exit code in one place. Value types, safe to copy between threads.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace exam {

enum class ErrorCode {
  kInvalidArgument,  // the caller's input is malformed or out of range
  kNotFound,         // no such object, or one the caller may not see
  kConflict,         // the request contradicts stored state
  kUnauthenticated,  // missing, unknown or expired credential
  kForbidden,        // authenticated, but the action is not allowed
  kTooLarge,         // input exceeds a documented size limit
  kUnsupportedMediaType,  // the request body is not of the required type
  kUnavailable,      // a dependency (PostgreSQL) is down; retrying may help
  kInternal,         // a bug or an unexpected state
};

// Returns a stable lower-case name, used in JSON error bodies and logs.
const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error InvalidArgument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
inline Error NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
inline Error Conflict(std::string message) { return {ErrorCode::kConflict, std::move(message)}; }
inline Error Unavailable(std::string message) {
  return {ErrorCode::kUnavailable, std::move(message)};
}
inline Error Internal(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }

// A value of type T or an Error. REQUIRES: value() only when ok(), error()
// only when !ok().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Success or an Error, for operations that return nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace exam
