// The Linux kernel as an oracle for tests: a thin C++ layer over libbpf's low-level API
// (maps, programs, objects, test runs). Every operation returns 0 or a negative Linux errno,
// as bpf(2) does. Only tests link it (library xbpf_kernel_oracle); the core never depends on
// libbpf. This header includes no OS or libbpf header.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/error.h"

namespace xbpf::platform::kernel {

// True when running as root and the bpf() system call works (a small array can be created).
bool kernel_bpf_available();
// Why not, when kernel_bpf_available() is false.
std::string kernel_bpf_unavailable_reason();
// libbpf_num_possible_cpus().
unsigned possible_cpus();
// The lowest CPU the calling thread may run on (for TestRunOptions::pin_cpu).
unsigned first_allowed_cpu();

struct MapSpec {
  std::uint32_t type = 0;  // enum bpf_map_type
  std::uint32_t key_size = 0;
  std::uint32_t value_size = 0;
  std::uint32_t max_entries = 0;
  std::uint32_t flags = 0;
  std::string name;
  int inner_map_fd = -1;
  // A struct bpf_spin_lock at this offset of the value, described in BTF loaded for the map.
  std::int32_t spin_lock_offset = -1;
};

using Bytes = std::vector<std::uint8_t>;

class KernelMap {
 public:
  // Creates a map; on failure Error::linux_errno is the kernel's errno.
  static Result<KernelMap> create(const MapSpec& spec);
  // Wraps a map fd owned elsewhere (an object's map).
  static KernelMap borrow(int fd);

  KernelMap() = default;
  ~KernelMap();
  KernelMap(KernelMap&& other) noexcept;
  KernelMap& operator=(KernelMap&& other) noexcept;
  KernelMap(const KernelMap&) = delete;
  KernelMap& operator=(const KernelMap&) = delete;

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] std::uint32_t id() const;  // bpf_map_info.id

  long lookup(const void* key, void* value, std::uint64_t flags = 0) const;
  long update(const void* key, const void* value, std::uint64_t flags) const;
  long erase(const void* key) const;
  long get_next_key(const void* key, void* next_key) const;
  long lookup_and_delete(const void* key, void* value, std::uint64_t flags = 0) const;

  // Every (key, value) in get_next_key order; values as the syscall returns them
  // (per-CPU maps: every CPU's copy, padded to 8 bytes).
  [[nodiscard]] std::vector<std::pair<Bytes, Bytes>> entries() const;

 private:
  int fd_ = -1;
  bool owned_ = false;
  std::uint32_t key_size_ = 0;
  std::uint32_t value_size_ = 0;  // what lookups return
};

// A loaded program (owned fd).
class KernelProgram {
 public:
  // A socket filter "r0 = retval; exit": something to put in program arrays.
  static Result<KernelProgram> load_trivial(std::uint32_t retval = 0);
  // Raw instructions (struct bpf_insn, 8 bytes each, little-endian) of a program type (enum
  // bpf_prog_type), map fds already in their lddw. The verifier's log is in the error.
  static Result<KernelProgram> load(std::uint32_t type, const std::vector<std::uint64_t>& code);
  KernelProgram() = default;
  ~KernelProgram();
  KernelProgram(KernelProgram&& other) noexcept;
  KernelProgram& operator=(KernelProgram&& other) noexcept;
  KernelProgram(const KernelProgram&) = delete;
  KernelProgram& operator=(const KernelProgram&) = delete;
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] std::uint32_t id() const;

 private:
  int fd_ = -1;
};

// A ring buffer map's pages mapped as libbpf maps them: the consumer page (writable), the
// producer page and the data pages (twice, read-only).
class KernelRing {
 public:
  static Result<KernelRing> map(int fd, std::uint32_t size);
  KernelRing() = default;
  ~KernelRing();
  KernelRing(KernelRing&& other) noexcept;
  KernelRing& operator=(KernelRing&& other) noexcept;
  KernelRing(const KernelRing&) = delete;
  KernelRing& operator=(const KernelRing&) = delete;

  [[nodiscard]] std::uint64_t consumer_pos() const;
  [[nodiscard]] std::uint64_t producer_pos() const;
  void set_consumer_pos(std::uint64_t pos);
  // The data area (2 x size bytes: the pages are mapped twice in a row).
  [[nodiscard]] const std::uint8_t* data() const;

 private:
  void* consumer_ = nullptr;
  void* producer_ = nullptr;
  std::size_t size_ = 0;
};

struct TestRunOptions {
  Bytes data_in;
  Bytes ctx_in;
  std::uint32_t data_out_size = 0;  // room for data_out (0: none requested)
  std::uint32_t ctx_out_size = 0;
  int repeat = 1;
  std::uint32_t flags = 0;
  std::uint32_t cpu = 0;
  // When >= 0, the calling thread runs the test on this CPU (its affinity is restricted for
  // the call, then restored): XDP and sk_buff test runs take no BPF_F_TEST_RUN_ON_CPU, and
  // run on the caller's CPU.
  int pin_cpu = -1;
};

struct TestRunResult {
  long error = 0;  // 0 or -errno of BPF_PROG_TEST_RUN
  std::uint32_t retval = 0;
  std::uint32_t duration_ns = 0;
  Bytes data_out;
  Bytes ctx_out;
};

// bpf_prog_test_run_opts on any program fd.
TestRunResult test_run(int program_fd, const TestRunOptions& options);

// An object file opened and loaded by libbpf.
class KernelObject {
 public:
  // Maps declared with LIBBPF_PIN_BY_NAME are not pinned: each object gets fresh maps. When
  // this kernel does not give a program a helper it calls (kernels configured without it:
  // this machine's refuses bpf_xdp_adjust_meta to XDP programs), the error's linux_errno is
  // EOPNOTSUPP and its message names the helper: the oracle cannot run that object here.
  static Result<KernelObject> open_and_load(const std::string& path);
  KernelObject();
  ~KernelObject();
  KernelObject(KernelObject&& other) noexcept;
  KernelObject& operator=(KernelObject&& other) noexcept;
  KernelObject(const KernelObject&) = delete;
  KernelObject& operator=(const KernelObject&) = delete;

  // The fd of a program by its function name, or nullopt.
  [[nodiscard]] std::optional<int> program_fd(const std::string& name) const;
  // A map by name (the fd stays the object's).
  [[nodiscard]] std::optional<KernelMap> map(const std::string& name) const;
  TestRunResult test_run(const std::string& program, const TestRunOptions& options) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xbpf::platform::kernel
