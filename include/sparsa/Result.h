//===- Result.h - error values of the public API ----------------*- C++ -*-===//
//
// The library is built without exceptions and never aborts on bad input:
// every fallible call returns a Status or a Result<T> carrying an error code
// and the full message (for spec errors: `file:line:col: error: ...`, the
// source line and a caret). These are plain value types so that no LLVM or
// MLIR header leaks into host programs.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_RESULT_H
#define SPARSA_RESULT_H

#include <cstdlib>
#include <string>
#include <utility>

namespace sparsa {

/// Kinds of failure; stable values shared with the C API (sparsa_status).
enum class ErrorCode : int {
  Ok = 0,
  InvalidArgument = 1, ///< bad tensor, parameter or option value
  SpecError = 2,       ///< the pattern text does not parse or check
  CompileError = 3,    ///< the pipeline or code generation failed
  NotFound = 4,        ///< missing file, library or symbol
  Unsupported = 5,     ///< a target or dtype this build cannot run
  Internal = 6,        ///< a bug: please report with the message
};

/// The outcome of a call that returns nothing: Ok or an error.
class Status {
public:
  Status() = default;
  Status(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}
  static Status ok() { return Status(); }

  bool isOk() const { return code_ == ErrorCode::Ok; }
  explicit operator bool() const { return isOk(); }
  ErrorCode code() const { return code_; }
  /// Empty when ok.
  const std::string &message() const { return message_; }

private:
  ErrorCode code_ = ErrorCode::Ok;
  std::string message_;
};

/// A value of type T or the Status that explains why there is none.
/// Accessing the value of an error result terminates the program (a
/// programming error, like dereferencing a null pointer), so check first.
template <typename T> class Result {
public:
  Result(T value) : value_(std::move(value)), hasValue_(true) {}
  Result(Status error) : status_(std::move(error)) {
    if (status_.isOk())
      status_ = Status(ErrorCode::Internal, "error result without an error");
  }

  bool isOk() const { return hasValue_; }
  explicit operator bool() const { return hasValue_; }
  const Status &status() const { return status_; }
  ErrorCode code() const { return status_.code(); }
  const std::string &message() const { return status_.message(); }

  T &value() & {
    check();
    return value_;
  }
  const T &value() const & {
    check();
    return value_;
  }
  T &&value() && {
    check();
    return std::move(value_);
  }
  T *operator->() {
    check();
    return &value_;
  }
  const T *operator->() const {
    check();
    return &value_;
  }
  T &operator*() & {
    check();
    return value_;
  }
  const T &operator*() const & {
    check();
    return value_;
  }

private:
  void check() const {
    if (!hasValue_)
      std::abort();
  }
  T value_{};
  Status status_;
  bool hasValue_ = false;
};

} // namespace sparsa

#endif // SPARSA_RESULT_H
