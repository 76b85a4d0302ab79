// Shared pieces of the xbpf command line: arguments in bpftool's style, output, exit codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace xbpf::cli {

// Exit codes: 0 success; 1 the operation ran and failed (a program faulted, verification
// failed); 2 bad input (usage, unreadable or malformed files).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;

struct Options {
  bool json = false;
  bool pretty = false;
};

// The words after the command, consumed as the command recognises them.
class Args {
 public:
  Args(std::vector<std::string> words, Options options)
      : words_(std::move(words)), options_(options) {}

  [[nodiscard]] const Options& options() const { return options_; }
  [[nodiscard]] bool empty() const { return words_.empty(); }
  [[nodiscard]] bool wants_help() const;

  // Removes `flag` if present.
  bool flag(std::string_view name);
  // Removes `keyword VALUE` (bpftool style), `--keyword VALUE`, `--keyword=VALUE` or, when
  // given, `SHORT VALUE` (such as -o).
  Result<std::optional<std::string>> value(std::string_view keyword,
                                           std::string_view short_flag = {});
  // The next positional word.
  std::optional<std::string> positional();
  // Removes "--" and every word after it; returns those words (a command to run).
  std::vector<std::string> after_separator();
  // Fails on anything left over.
  Status finish() const;

 private:
  std::vector<std::string> words_;
  Options options_;
};

Error usage_error(std::string message);
// Prints "xbpf: <message>" to stderr and returns the exit code for the error.
int report(const Error& error, int code = kExitBadInput);

}  // namespace xbpf::cli
