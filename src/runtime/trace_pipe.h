// Where bpf_trace_printk output goes: a trace pipe a user follows with `xbpf prog tracelog`
// (as `bpftool prog tracelog` follows the kernel's), standard error, or a file. Lines have
// the kernel's trace_pipe shape:
//   "           xbpf-1234    [001] ....1   123.456789: bpf_trace_printk: hello"
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "support/error.h"

namespace xbpf::runtime {

class TracePipe {
 public:
  // "" : <state directory>/trace_pipe; "-" : standard error; otherwise a file path.
  explicit TracePipe(std::string destination = "");

  // Writes one line (the message without its trailing newline).
  void write(std::string_view message, unsigned cpu);
  [[nodiscard]] std::uint64_t lines_written() const { return lines_; }
  // The file lines go to (empty for standard error).
  [[nodiscard]] std::string path() const;

  // The default trace pipe file.
  static Result<std::string> default_path();

 private:
  std::string destination_;
  std::mutex mutex_;
  std::uint64_t lines_ = 0;
};

}  // namespace xbpf::runtime
