// Errors are values: a message plus where it happened.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace xbpf {

// Where something went wrong. Every field is optional; the printer shows those that are set,
// from the outermost (file) to the innermost (column), wabt-style:
//   prog.o: section xdp: insn 12: unknown opcode 0x8e
//   prog.s:3:7: expected a register, found '%q1'
struct Location {
  std::string file;
  std::string section;
  std::optional<std::size_t> instruction;  // index in 8-byte slots
  std::optional<std::size_t> byte_offset;  // offset in the file or buffer
  std::optional<std::size_t> line;         // 1-based
  std::optional<std::size_t> column;       // 1-based

  [[nodiscard]] std::string to_string() const;
};

struct Error {
  std::string message;
  Location where;
  long linux_errno = 0;  // the Linux errno this error stands for, when it mirrors a syscall's

  [[nodiscard]] std::string to_string() const;
};

// Result<T> holds a T or an Error. (std::expected is C++23.)
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// The result of an operation with no value.
class [[nodiscard]] Status {
 public:
  // User-provided, not `= default`: `return {}` then value-initialises by calling it instead
  // of first zero-filling the whole (176-byte) object, which cost ~10 ns per XDP packet.
  Status() noexcept {}                               // NOLINT(modernize-use-equals-default)
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

inline Error make_error(std::string message, Location where = {}) {
  return Error{std::move(message), std::move(where)};
}

}  // namespace xbpf

// Propagate an error from an expression yielding a Result or Status.
#define XBPF_TRY(expr)                            \
  do {                                            \
    auto xbpf_try_result_ = (expr);               \
    if (!xbpf_try_result_.ok()) {                 \
      return std::move(xbpf_try_result_).error(); \
    }                                             \
  } while (false)
