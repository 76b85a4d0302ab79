// The kernel oracle: see kernel_bpf.h.
#include "platform/linux/kernel_bpf.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace xbpf::platform::kernel {

namespace {

// libbpf's messages during one load, also passed on to stderr as libbpf prints them.
std::mutex log_mutex;
std::string* load_log = nullptr;

__attribute__((format(printf, 2, 0))) int capture_print(enum libbpf_print_level level,
                                                        const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  // (the verifier log comes whole in one message: no fixed-size buffer)
  va_list copy;
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (size < 0) return size;
  std::string line(static_cast<std::size_t>(size) + 1, '\0');
  std::vsnprintf(line.data(), line.size(), format, args);
  line.pop_back();
  if (load_log != nullptr) *load_log += line;
  return std::fputs(line.c_str(), stderr);
}

// The helper a verifier log says the program may not call ("program of this type cannot use
// helper bpf_xdp_adjust_meta#54"), or "".
std::string unavailable_helper(const std::string& log) {
  constexpr std::string_view kPhrase = "cannot use helper ";
  const std::size_t at = log.find(kPhrase);
  if (at == std::string::npos) return "";
  const std::size_t start = at + kPhrase.size();
  const std::size_t end = log.find_first_of(" \n", start);
  return log.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

long result(int ret) {
  if (ret >= 0) return 0;
  // libbpf 1.x returns -errno; be safe with older conventions too.
  return ret == -1 ? -static_cast<long>(errno) : ret;
}

bool percpu_type(std::uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

std::uint32_t syscall_value_size(std::uint32_t type, std::uint32_t value_size) {
  if (percpu_type(type)) return ((value_size + 7) & ~7U) * possible_cpus();
  return value_size;
}

// BTF for a value of value_size bytes with a struct bpf_spin_lock at `offset`, and a key of
// key_size bytes: returns the BTF fd and the type ids, or a negative errno.
struct SpinLockBtf {
  int fd = -1;
  std::uint32_t key_type = 0;
  std::uint32_t value_type = 0;
};

long make_spin_lock_btf(std::uint32_t key_size, std::uint32_t value_size, std::uint32_t offset,
                        SpinLockBtf& out) {
  struct btf* btf = btf__new_empty();
  if (btf == nullptr) return -ENOMEM;
  int int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
  int u8_id = btf__add_int(btf, "unsigned char", 1, 0);
  int key_id = key_size == 4 ? int_id : btf__add_array(btf, int_id, u8_id, key_size);
  int lock_id = btf__add_struct(btf, "bpf_spin_lock", 4);
  btf__add_field(btf, "val", int_id, 0, 0);
  int pad0 = offset > 0 ? btf__add_array(btf, int_id, u8_id, offset) : 0;
  std::uint32_t rest = value_size - offset - 4;
  int pad1 = rest > 0 ? btf__add_array(btf, int_id, u8_id, rest) : 0;
  int value_id = btf__add_struct(btf, "value", value_size);
  if (pad0 > 0) btf__add_field(btf, "pad0", pad0, 0, 0);
  btf__add_field(btf, "lock", lock_id, offset * 8, 0);
  if (pad1 > 0) btf__add_field(btf, "pad1", pad1, (offset + 4) * 8, 0);
  int err = btf__load_into_kernel(btf);
  if (err != 0) {
    btf__free(btf);
    return result(err);
  }
  out.fd = dup(btf__fd(btf));
  out.key_type = static_cast<std::uint32_t>(key_id);
  out.value_type = static_cast<std::uint32_t>(value_id);
  btf__free(btf);
  return 0;
}

}  // namespace

unsigned possible_cpus() {
  int n = libbpf_num_possible_cpus();
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

unsigned first_allowed_cpu() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) return static_cast<unsigned>(cpu);
    }
  }
  return 0;
}

std::string kernel_bpf_unavailable_reason() {
  if (geteuid() != 0) return "not running as root";
  LIBBPF_OPTS(bpf_map_create_opts, opts);
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, &opts);
  if (fd < 0) return std::string("bpf(BPF_MAP_CREATE) failed: ") + std::strerror(-result(fd));
  close(fd);
  return "";
}

bool kernel_bpf_available() {
  static const bool available = kernel_bpf_unavailable_reason().empty();
  return available;
}

Result<KernelMap> KernelMap::create(const MapSpec& spec) {
  LIBBPF_OPTS(bpf_map_create_opts, opts);
  opts.map_flags = spec.flags;
  if (spec.inner_map_fd >= 0) opts.inner_map_fd = static_cast<std::uint32_t>(spec.inner_map_fd);
  SpinLockBtf btf;
  if (spec.spin_lock_offset >= 0) {
    long err = make_spin_lock_btf(spec.key_size, spec.value_size,
                                  static_cast<std::uint32_t>(spec.spin_lock_offset), btf);
    if (err != 0) {
      Error error = make_error("loading BTF with a bpf_spin_lock failed");
      error.linux_errno = -err;
      return error;
    }
    opts.btf_fd = static_cast<std::uint32_t>(btf.fd);
    opts.btf_key_type_id = btf.key_type;
    opts.btf_value_type_id = btf.value_type;
  }
  int fd = bpf_map_create(static_cast<enum bpf_map_type>(spec.type),
                          spec.name.empty() ? nullptr : spec.name.c_str(), spec.key_size,
                          spec.value_size, spec.max_entries, &opts);
  if (btf.fd >= 0) close(btf.fd);
  if (fd < 0) {
    long err = result(fd);
    Error error = make_error("bpf(BPF_MAP_CREATE) failed: " + std::string(std::strerror(-err)));
    error.linux_errno = -err;
    return error;
  }
  KernelMap map;
  map.fd_ = fd;
  map.owned_ = true;
  map.key_size_ = spec.key_size;
  map.value_size_ = syscall_value_size(spec.type, spec.value_size);
  return map;
}

KernelMap KernelMap::borrow(int fd) {
  KernelMap map;
  map.fd_ = fd;
  bpf_map_info info{};
  std::uint32_t length = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0) {
    map.key_size_ = info.key_size;
    map.value_size_ = syscall_value_size(info.type, info.value_size);
  }
  return map;
}

KernelMap::~KernelMap() {
  if (owned_ && fd_ >= 0) close(fd_);
}
KernelMap::KernelMap(KernelMap&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      owned_(other.owned_),
      key_size_(other.key_size_),
      value_size_(other.value_size_) {}
KernelMap& KernelMap::operator=(KernelMap&& other) noexcept {
  if (this != &other) {
    if (owned_ && fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    owned_ = other.owned_;
    key_size_ = other.key_size_;
    value_size_ = other.value_size_;
  }
  return *this;
}

std::uint32_t KernelMap::id() const {
  bpf_map_info info{};
  std::uint32_t length = sizeof info;
  if (bpf_obj_get_info_by_fd(fd_, &info, &length) != 0) return 0;
  return info.id;
}

long KernelMap::lookup(const void* key, void* value, std::uint64_t flags) const {
  return result(bpf_map_lookup_elem_flags(fd_, key, value, flags));
}
long KernelMap::update(const void* key, const void* value, std::uint64_t flags) const {
  return result(bpf_map_update_elem(fd_, key, value, flags));
}
long KernelMap::erase(const void* key) const { return result(bpf_map_delete_elem(fd_, key)); }
long KernelMap::get_next_key(const void* key, void* next_key) const {
  return result(bpf_map_get_next_key(fd_, key, next_key));
}
long KernelMap::lookup_and_delete(const void* key, void* value, std::uint64_t flags) const {
  return result(bpf_map_lookup_and_delete_elem_flags(fd_, key, value, flags));
}

std::vector<std::pair<Bytes, Bytes>> KernelMap::entries() const {
  std::vector<std::pair<Bytes, Bytes>> out;
  Bytes key(key_size_), next(key_size_), value(value_size_);
  const void* previous = nullptr;
  while (get_next_key(previous, next.data()) == 0) {
    if (lookup(next.data(), value.data()) == 0) out.emplace_back(next, value);
    key = next;
    previous = key.data();
    if (out.size() > (1U << 24)) break;
  }
  return out;
}

Result<KernelProgram> KernelProgram::load_trivial(std::uint32_t retval) {
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, static_cast<std::int32_t>(retval)},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "trivial", "GPL", insns, 2, &opts);
  if (fd < 0) {
    long err = result(fd);
    Error error = make_error("bpf(BPF_PROG_LOAD) failed: " + std::string(std::strerror(-err)));
    error.linux_errno = -err;
    return error;
  }
  KernelProgram program;
  program.fd_ = fd;
  return program;
}

Result<KernelProgram> KernelProgram::load(std::uint32_t type,
                                          const std::vector<std::uint64_t>& code) {
  std::vector<bpf_insn> insns(code.size());
  std::memcpy(insns.data(), code.data(), code.size() * sizeof(bpf_insn));
  std::string log(1 << 16, '\0');
  LIBBPF_OPTS(bpf_prog_load_opts, opts);
  opts.log_buf = log.data();
  opts.log_size = static_cast<std::uint32_t>(log.size());
  opts.log_level = 1;
  int fd = bpf_prog_load(static_cast<enum bpf_prog_type>(type), "oracle", "GPL", insns.data(),
                         insns.size(), &opts);
  if (fd < 0) {
    long err = result(fd);
    log.resize(std::strlen(log.c_str()));
    Error error =
        make_error("bpf(BPF_PROG_LOAD) failed: " + std::string(std::strerror(-err)) + "\n" + log);
    error.linux_errno = -err;
    return error;
  }
  KernelProgram program;
  program.fd_ = fd;
  return program;
}

KernelProgram::~KernelProgram() {
  if (fd_ >= 0) close(fd_);
}
KernelProgram::KernelProgram(KernelProgram&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
KernelProgram& KernelProgram::operator=(KernelProgram&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}
std::uint32_t KernelProgram::id() const {
  bpf_prog_info info{};
  std::uint32_t length = sizeof info;
  if (bpf_obj_get_info_by_fd(fd_, &info, &length) != 0) return 0;
  return info.id;
}

Result<KernelRing> KernelRing::map(int fd, std::uint32_t size) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  KernelRing ring;
  ring.size_ = size;
  void* consumer = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (consumer == MAP_FAILED) {
    Error error =
        make_error(std::string("mmap of the consumer page failed: ") + std::strerror(errno));
    error.linux_errno = errno;
    return error;
  }
  ring.consumer_ = consumer;
  void* producer = mmap(nullptr, page + 2 * std::size_t{size}, PROT_READ, MAP_SHARED, fd,
                        static_cast<off_t>(page));
  if (producer == MAP_FAILED) {
    Error error = make_error(std::string("mmap of the data pages failed: ") + std::strerror(errno));
    error.linux_errno = errno;
    return error;
  }
  ring.producer_ = producer;
  return ring;
}

KernelRing::~KernelRing() {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (consumer_ != nullptr) munmap(consumer_, page);
  if (producer_ != nullptr) munmap(producer_, page + 2 * size_);
}
KernelRing::KernelRing(KernelRing&& other) noexcept
    : consumer_(std::exchange(other.consumer_, nullptr)),
      producer_(std::exchange(other.producer_, nullptr)),
      size_(other.size_) {}
KernelRing& KernelRing::operator=(KernelRing&& other) noexcept {
  if (this != &other) {
    KernelRing old(std::move(*this));
    consumer_ = std::exchange(other.consumer_, nullptr);
    producer_ = std::exchange(other.producer_, nullptr);
    size_ = other.size_;
  }
  return *this;
}
std::uint64_t KernelRing::consumer_pos() const {
  return std::atomic_ref<std::uint64_t>(*static_cast<std::uint64_t*>(consumer_))
      .load(std::memory_order_acquire);
}
std::uint64_t KernelRing::producer_pos() const {
  return std::atomic_ref<std::uint64_t>(*static_cast<std::uint64_t*>(producer_))
      .load(std::memory_order_acquire);
}
void KernelRing::set_consumer_pos(std::uint64_t pos) {
  std::atomic_ref<std::uint64_t>(*static_cast<std::uint64_t*>(consumer_))
      .store(pos, std::memory_order_release);
}
const std::uint8_t* KernelRing::data() const {
  return static_cast<const std::uint8_t*>(producer_) + sysconf(_SC_PAGESIZE);
}

TestRunResult test_run(int program_fd, const TestRunOptions& options) {
  TestRunResult out;
  out.data_out.resize(options.data_out_size);
  out.ctx_out.resize(options.ctx_out_size);
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  if (!options.data_in.empty()) {
    opts.data_in = options.data_in.data();
    opts.data_size_in = static_cast<std::uint32_t>(options.data_in.size());
  }
  if (options.data_out_size > 0) {
    opts.data_out = out.data_out.data();
    opts.data_size_out = options.data_out_size;
  }
  if (!options.ctx_in.empty()) {
    opts.ctx_in = options.ctx_in.data();
    opts.ctx_size_in = static_cast<std::uint32_t>(options.ctx_in.size());
  }
  if (options.ctx_out_size > 0) {
    opts.ctx_out = out.ctx_out.data();
    opts.ctx_size_out = options.ctx_out_size;
  }
  opts.repeat = options.repeat;
  opts.flags = options.flags;
  opts.cpu = options.cpu;
  cpu_set_t saved;
  bool pinned = false;
  if (options.pin_cpu >= 0 && sched_getaffinity(0, sizeof saved, &saved) == 0) {
    cpu_set_t only;
    CPU_ZERO(&only);
    CPU_SET(options.pin_cpu, &only);
    pinned = sched_setaffinity(0, sizeof only, &only) == 0;
  }
  out.error = result(bpf_prog_test_run_opts(program_fd, &opts));
  if (pinned) sched_setaffinity(0, sizeof saved, &saved);
  out.retval = opts.retval;
  out.duration_ns = opts.duration;
  if (options.data_out_size > 0) out.data_out.resize(opts.data_size_out);
  if (options.ctx_out_size > 0) out.ctx_out.resize(opts.ctx_size_out);
  return out;
}

struct KernelObject::Impl {
  bpf_object* object = nullptr;
  ~Impl() {
    if (object != nullptr) bpf_object__close(object);
  }
};

KernelObject::KernelObject() : impl_(std::make_unique<Impl>()) {}
KernelObject::~KernelObject() = default;
KernelObject::KernelObject(KernelObject&& other) noexcept = default;
KernelObject& KernelObject::operator=(KernelObject&& other) noexcept = default;

Result<KernelObject> KernelObject::open_and_load(const std::string& path) {
  KernelObject out;
  bpf_object* object = bpf_object__open_file(path.c_str(), nullptr);
  if (object == nullptr) {
    Error error = make_error(path + ": libbpf cannot open the object: " + std::strerror(errno));
    error.linux_errno = errno;
    return error;
  }
  out.impl_->object = object;
  // No pinning (LIBBPF_PIN_BY_NAME): every object gets fresh maps, and bpffs is left alone.
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, object) bpf_map__set_pin_path(map, nullptr);
  std::string log;
  int err = 0;
  {
    std::lock_guard<std::mutex> lock(log_mutex);
    load_log = &log;
    libbpf_print_fn_t previous = libbpf_set_print(capture_print);
    err = bpf_object__load(object);
    libbpf_set_print(previous);
    load_log = nullptr;
  }
  if (err != 0) {
    long e = result(err);
    if (const std::string helper = unavailable_helper(log); !helper.empty()) {
      Error error = make_error(path + ": this kernel does not give " + helper +
                               " to the object's program (the kernel refused it)");
      error.linux_errno = EOPNOTSUPP;
      return error;
    }
    Error error = make_error(
        path + ": the kernel refused to load the object: " + std::strerror(static_cast<int>(-e)));
    error.linux_errno = -e;
    return error;
  }
  return out;
}

std::optional<int> KernelObject::program_fd(const std::string& name) const {
  bpf_program* program = bpf_object__find_program_by_name(impl_->object, name.c_str());
  if (program == nullptr) return std::nullopt;
  int fd = bpf_program__fd(program);
  if (fd < 0) return std::nullopt;
  return fd;
}

std::optional<KernelMap> KernelObject::map(const std::string& name) const {
  bpf_map* map = bpf_object__find_map_by_name(impl_->object, name.c_str());
  if (map == nullptr || bpf_map__fd(map) < 0) return std::nullopt;
  return KernelMap::borrow(bpf_map__fd(map));
}

TestRunResult KernelObject::test_run(const std::string& program,
                                     const TestRunOptions& options) const {
  std::optional<int> fd = program_fd(program);
  if (!fd) {
    TestRunResult out;
    out.error = -ENOENT;
    return out;
  }
  return kernel::test_run(*fd, options);
}

}  // namespace xbpf::platform::kernel
