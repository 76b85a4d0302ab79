#include "runtime/trace_pipe.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "platform/platform.h"

namespace xbpf::runtime {

namespace {
// The file rotates (to trace_pipe.1) when it grows past this.
constexpr std::uintmax_t kMaxTraceFile = 4 << 20;
}  // namespace

TracePipe::TracePipe(std::string destination) : destination_(std::move(destination)) {}

Result<std::string> TracePipe::default_path() {
  Result<std::string> dir = platform::state_directory();
  if (!dir) return std::move(dir).error();
  return *dir + "/trace_pipe";
}

std::string TracePipe::path() const {
  if (destination_ == "-") return "";
  if (!destination_.empty()) return destination_;
  Result<std::string> path = default_path();
  return path ? *path : "";
}

void TracePipe::write(std::string_view message, unsigned cpu) {
  const std::uint64_t now = platform::boot_time_ns();
  char prefix[128];
  std::snprintf(prefix, sizeof prefix, "%16s-%-7u [%03u] ....1 %5llu.%06llu: bpf_trace_printk: ",
                platform::process_name().c_str(), platform::process_id(), cpu,
                static_cast<unsigned long long>(now / 1000000000ULL),
                static_cast<unsigned long long>(now / 1000ULL % 1000000ULL));
  std::string line = prefix;
  line.append(message);
  if (line.empty() || line.back() != '\n') line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  ++lines_;
  const std::string file = path();
  if (file.empty()) {
    std::fputs(line.c_str(), stderr);
    return;
  }
  std::error_code ignored;
  if (std::filesystem::exists(file, ignored) &&
      std::filesystem::file_size(file, ignored) > kMaxTraceFile) {
    std::filesystem::rename(file, file + ".1", ignored);
  }
  std::ofstream(file, std::ios::app | std::ios::binary) << line;
}

}  // namespace xbpf::runtime
