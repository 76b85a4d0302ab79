// The only door to the operating system. Everything outside src/platform/ is portable C++.
#pragma once

#include <cstddef>
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

// Sets an environment variable of this process (its children inherit it).
void set_environment_variable(const char* name, const std::string& value);

// True when standard output / error is a terminal.
bool stdout_is_terminal();
bool stderr_is_terminal();

// Runs a program to completion, feeding `input` to its standard input.
struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
Result<ProcessResult> run_process(const std::vector<std::string>& argv, const std::string& input);

// Memory whose every address fits in 32 bits (below 4 GiB), readable and writable, zeroed.
// Packets live there: the uapi context structs hold packet pointers in 32-bit fields
// (xdp_md.data, __sk_buff.data), and a program reads them as pointers. Returns nullptr
// when no such memory is available.
void* allocate_low(std::size_t size);
void free_low(void* memory, std::size_t size);
// The same for a large block read sparsely (a ring of packet frames, one page each, of which
// a program reads the first cache lines): on Linux 2 MiB-aligned and advised for transparent
// huge pages (MADV_HUGEPAGE), so that walking it does not miss the TLB on every frame; plain
// allocate_low() memory elsewhere. Freed by free_low_huge() with the same size.
void* allocate_low_huge(std::size_t size);
void free_low_huge(void* memory, std::size_t size);

// Whole pages, readable, writable and zeroed, shared with the children this process forks
// (MAP_SHARED on Linux, as a map the kernel holds stays one map across fork): the storage of
// mmapable maps, which a process may also make read-only (descriptors.h). nullptr when none
// is available; freed by free_pages() with the same size, whatever the protection then.
void* allocate_pages(std::size_t size);
void free_pages(void* memory, std::size_t size);

// Executable memory, never writable and executable at once (W^X): allocate_code() returns
// `size` bytes readable and writable, page-aligned (nullptr when none is available); the
// caller writes the code there, then make_executable() turns the pages read+execute.
// make_writable() turns them back read+write (not executable), to reuse them for other code.
void* allocate_code(std::size_t size);
Status make_executable(void* memory, std::size_t size);
Status make_writable(void* memory, std::size_t size);
void free_code(void* memory, std::size_t size);

// The calling process and thread, as bpf_get_current_pid_tgid reports them, and the
// process's short name (bpf_get_current_comm, at most 15 characters).
std::uint32_t process_id();
std::uint32_t thread_id();
std::string process_name();
// This process's real user and group ids (gid << 32 | uid, as bpf_get_current_uid_gid), the
// cookie of its network namespace (bpf_get_netns_cookie; 0 where there is none), and the
// cgroup v2 id (bpf_get_current_cgroup_id: its directory's inode in the cgroup2 file system;
// 0 without one) of thread `tid`, or of this process with 0. Windows: 0 for all.
std::uint64_t user_group_ids();
std::uint64_t netns_cookie();
std::uint64_t cgroup_id(std::uint32_t tid = 0);

// A per-user directory for xbpf's state (the trace pipe), created when missing:
// $XBPF_STATE_DIR when set, else $XDG_RUNTIME_DIR/xbpf, /run/xbpf for root, else /tmp/xbpf-UID;
// %TEMP%\xbpf on Windows.
Result<std::string> state_directory();

// Seconds since the boot of the machine, and since the epoch (bpf_ktime_get_boot_ns).
std::uint64_t boot_time_ns();

// The path of the executable `name` (searched in PATH unless it contains a directory
// separator), or nullopt when there is none.
std::optional<std::string> find_executable(const std::string& name);

// Shared libraries (native images: a .so, a DLL on Windows). load_library() fails with the
// loader's message; library_symbol() returns nullptr for a missing symbol.
Result<void*> load_library(const std::string& path);
void* library_symbol(void* library, const char* name);
void free_library(void* library);
// The file name suffix of a shared library here: ".so" or ".dll".
const char* shared_library_suffix();

// Directory of the running executable (for finding sibling tools), without a trailing slash.
std::string executable_directory();

}  // namespace xbpf::platform
