// The only door to the operating system. Everything outside src/platform/ is portable C++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/error.h"

namespace xbpf::platform {

// Monotonic clock in nanoseconds.
std::uint64_t monotonic_ns();

// Number of CPUs the process may run on (at least 1).
unsigned cpu_count();

// The value of an environment variable, if set.
std::optional<std::string> environment_variable(const char* name);

// True when standard output / error is a terminal.
bool stdout_is_terminal();

// Runs a program to completion, feeding `input` to its standard input.
struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
Result<ProcessResult> run_process(const std::vector<std::string>& argv, const std::string& input);

// Directory of the running executable (for finding sibling tools), without a trailing slash.
std::string executable_directory();

}  // namespace xbpf::platform
