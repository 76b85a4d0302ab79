// Internal to the map implementations: the arena, word-wise atomic copies, Linux's jhash, the
// value copies that skip a bpf_spin_lock, and the constructors map.cpp's create() calls.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "platform/platform.h"
#include "runtime/maps/map.h"
#include "runtime/maps/spin_lock.h"
#include "support/error.h"
#include "support/linux_abi.h"

namespace xbpf::runtime::maps {

using namespace linux_abi;  // NOLINT(google-build-using-namespace): errno and flag names

constexpr std::size_t round_up8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

// The largest arena a map may have; beyond it creation fails with ENOMEM as Linux's does
// when the allocation fails.
inline constexpr std::size_t kMaxArenaBytes = std::size_t{1} << 32;

struct ArenaFree {
  std::size_t align = 64;
  std::size_t pages = 0;  // the size of page memory (Arena::allocate_pages), else 0
  void operator()(std::byte* p) const {
    if (pages != 0) {
      platform::free_pages(p, pages);
    } else {
      ::operator delete[](p, std::align_val_t{align});
    }
  }
};

// One contiguous, zeroed, 64-byte (or page) aligned buffer per map. Everything inside is addressed
// by offsets (or indices), never by pointers, so the bytes could live in shared memory.
class Arena {
 public:
  Arena() = default;
  // False on failure (too large or out of memory).
  static bool allocate(Arena& arena, std::size_t bytes, std::size_t align = 64) {
    if (bytes > kMaxArenaBytes) return false;
    bytes = (bytes + align - 1) & ~(align - 1);
    if (bytes == 0) bytes = align;
    void* p = ::operator new[](bytes, std::align_val_t{align}, std::nothrow);
    if (p == nullptr) return false;
    std::memset(p, 0, bytes);
    arena.data_ =
        std::unique_ptr<std::byte[], ArenaFree>(static_cast<std::byte*>(p), ArenaFree{align});
    arena.size_ = bytes;
    return true;
  }
  // Whole pages of their own (platform::allocate_pages): the storage of BPF_F_MMAPABLE maps,
  // which user space maps (libbpf's skeletons) and may make read-only (.rodata).
  static bool allocate_pages(Arena& arena, std::size_t bytes) {
    if (bytes > kMaxArenaBytes) return false;
    const std::size_t page = 4096;
    bytes = bytes == 0 ? page : (bytes + page - 1) & ~(page - 1);
    void* p = platform::allocate_pages(bytes);
    if (p == nullptr) return false;
    arena.data_ =
        std::unique_ptr<std::byte[], ArenaFree>(static_cast<std::byte*>(p), ArenaFree{page, bytes});
    arena.size_ = bytes;
    return true;
  }
  [[nodiscard]] std::byte* data() const { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::byte* at(std::size_t offset) const { return data_.get() + offset; }
  [[nodiscard]] std::uint32_t& word(std::size_t offset) const {
    return *reinterpret_cast<std::uint32_t*>(data_.get() + offset);
  }

 private:
  std::unique_ptr<std::byte[], ArenaFree> data_;
  std::size_t size_ = 0;
};

// 32-bit words of the arena accessed atomically (links, locks, counters).
inline std::uint32_t load32(const std::uint32_t& word,
                            std::memory_order order = std::memory_order_acquire) {
  return std::atomic_ref<std::uint32_t>(const_cast<std::uint32_t&>(word)).load(order);
}
inline void store32(std::uint32_t& word, std::uint32_t value,
                    std::memory_order order = std::memory_order_release) {
  std::atomic_ref<std::uint32_t>(word).store(value, order);
}

// Copies between the arena (8-byte aligned at `arena`) and private memory with relaxed atomic
// word accesses: values and keys are read while writers replace them, as in Linux, and this
// keeps those races defined (and quiet under TSan) at the cost of plain moves on x86-64.
template <class T>
inline T load_relaxed(const std::byte* p) {
  return std::atomic_ref<T>(*reinterpret_cast<T*>(const_cast<std::byte*>(p)))
      .load(std::memory_order_relaxed);
}
template <class T>
inline void store_relaxed(std::byte* p, T v) {
  std::atomic_ref<T>(*reinterpret_cast<T*>(p)).store(v, std::memory_order_relaxed);
}

template <class T>
inline T load_arena(const std::byte* p, std::memory_order order) {
  return std::atomic_ref<T>(*reinterpret_cast<T*>(const_cast<std::byte*>(p))).load(order);
}
template <class T>
inline void store_arena(std::byte* p, T v, std::memory_order order) {
  std::atomic_ref<T>(*reinterpret_cast<T*>(p)).store(v, order);
}

// The widest access (8, 4, 2 or 1 bytes) that the arena address's alignment and the bytes
// left allow.
inline std::size_t chunk(const std::byte* arena, std::size_t left) {
  auto address = reinterpret_cast<std::uintptr_t>(arena);
  if (left >= 8 && address % 8 == 0) return 8;
  if (left >= 4 && address % 4 == 0) return 4;
  if (left >= 2 && address % 2 == 0) return 2;
  return 1;
}

template <class T>
inline void load_chunk(std::byte* out, const std::byte* arena, std::memory_order order) {
  T v = load_arena<T>(arena, order);
  std::memcpy(out, &v, sizeof v);
}
template <class T>
inline void store_chunk(std::byte* arena, const std::byte* in, std::memory_order order) {
  T v;
  std::memcpy(&v, in, sizeof v);
  store_arena<T>(arena, v, order);
}

inline void copy_from_arena(void* dst, const std::byte* arena, std::size_t n,
                            std::memory_order order = std::memory_order_relaxed) {
  auto* out = static_cast<std::byte*>(dst);
  for (std::size_t i = 0; i < n;) {
    switch (std::size_t c = chunk(arena + i, n - i)) {
      case 8:
        load_chunk<std::uint64_t>(out + i, arena + i, order);
        i += c;
        break;
      case 4:
        load_chunk<std::uint32_t>(out + i, arena + i, order);
        i += c;
        break;
      case 2:
        load_chunk<std::uint16_t>(out + i, arena + i, order);
        i += c;
        break;
      default:
        load_chunk<std::uint8_t>(out + i, arena + i, order);
        i += 1;
        break;
    }
  }
}

inline void copy_to_arena(std::byte* arena, const void* src, std::size_t n,
                          std::memory_order order = std::memory_order_relaxed) {
  const auto* in = static_cast<const std::byte*>(src);
  for (std::size_t i = 0; i < n;) {
    switch (std::size_t c = chunk(arena + i, n - i)) {
      case 8:
        store_chunk<std::uint64_t>(arena + i, in + i, order);
        i += c;
        break;
      case 4:
        store_chunk<std::uint32_t>(arena + i, in + i, order);
        i += c;
        break;
      case 2:
        store_chunk<std::uint16_t>(arena + i, in + i, order);
        i += c;
        break;
      default:
        store_chunk<std::uint8_t>(arena + i, in + i, order);
        i += 1;
        break;
    }
  }
}

inline void zero_arena(std::byte* arena, std::size_t n) {
  static constexpr std::byte kZeros[64] = {};
  for (std::size_t i = 0; i < n; i += 64)
    copy_to_arena(arena + i, kZeros, std::min<std::size_t>(64, n - i));
}

// Arena-to-arena copy.
inline void copy_within_arena(std::byte* dst, const std::byte* src, std::size_t n) {
  std::byte buffer[256];
  for (std::size_t i = 0; i < n; i += sizeof buffer) {
    std::size_t part = std::min(sizeof buffer, n - i);
    copy_from_arena(buffer, src + i, part);
    copy_to_arena(dst + i, buffer, part);
  }
}

// Compares a key with the arena's copy; keys start 8-byte aligned in the arena.
inline bool equal_arena(const std::byte* arena, const void* key, std::size_t n) {
  const auto* k = static_cast<const std::byte*>(key);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t v;
    std::memcpy(&v, k + i, 8);
    if (load_relaxed<std::uint64_t>(arena + i) != v) return false;
  }
  if (i + 4 <= n) {
    std::uint32_t v;
    std::memcpy(&v, k + i, 4);
    if (load_relaxed<std::uint32_t>(arena + i) != v) return false;
    i += 4;
  }
  for (; i < n; ++i) {
    std::uint8_t v;
    std::memcpy(&v, k + i, 1);
    if (load_relaxed<std::uint8_t>(arena + i) != v) return false;
  }
  return true;
}

// Linux's jhash and jhash2 (include/linux/jhash.h), so that hash maps with BPF_F_ZERO_SEED
// put keys in the same buckets, and walk them in the same order, as the kernel.
std::uint32_t jhash(const void* key, std::uint32_t length, std::uint32_t initval);
std::uint32_t jhash2(const std::uint32_t* key, std::uint32_t length, std::uint32_t initval);
// htab_map_hash.
std::uint32_t htab_hash(const void* key, std::uint32_t key_size, std::uint32_t seed);
// A random seed (get_random_u32 in Linux).
std::uint32_t random_seed();

// A creation error with Linux's errno.
inline Error spec_error(const MapSpec& spec, long linux_errno, const std::string& message) {
  std::string what = spec.name.empty() ? "map" : "map '" + spec.name + "'";
  Error error = make_error(what + ": " + message);
  error.linux_errno = linux_errno;
  return error;
}

// How values are copied in and out (copy_map_value and friends): the bpf_spin_lock word is
// never copied, reads show it as zero, BPF_F_LOCK copies hold it.
struct ValueLayout {
  std::uint32_t size = 0;  // value_size
  std::int32_t lock = -1;  // spin lock offset or -1
  std::uint32_t& lock_in(std::byte* value) const {
    return *reinterpret_cast<std::uint32_t*>(value + lock);
  }
  // Arena <- user (skipping the lock word).
  void write(std::byte* dst, const void* src) const {
    if (lock < 0) {
      copy_to_arena(dst, src, size);
      return;
    }
    const auto* s = static_cast<const std::byte*>(src);
    auto l = static_cast<std::size_t>(lock);
    copy_to_arena(dst, s, l);
    copy_to_arena(dst + l + 4, s + l + 4, size - l - 4);
  }
  // user <- arena (the lock word reads as zero).
  void read(void* dst, const std::byte* src) const {
    if (lock < 0) {
      copy_from_arena(dst, src, size);
      return;
    }
    auto* d = static_cast<std::byte*>(dst);
    auto l = static_cast<std::size_t>(lock);
    copy_from_arena(d, src, l);
    std::memset(d + l, 0, 4);
    copy_from_arena(d + l + 4, src + l + 4, size - l - 4);
  }
  void write_locked(std::byte* dst, const void* src) const {
    WordLock guard(lock_in(dst));
    write(dst, src);
  }
  void read_locked(void* dst, std::byte* src) const {
    WordLock guard(lock_in(src));
    read(dst, src);
  }
};

// The permissions bpf(2) gives the map's file descriptor: BPF_F_RDONLY refuses writes and
// BPF_F_WRONLY reads from user space with EPERM.
inline bool user_can_read(const MapSpec& spec) { return (spec.flags & kWronly) == 0; }
inline bool user_can_write(const MapSpec& spec) { return (spec.flags & kRdonly) == 0; }

// Validation shared by the types (bpf_map_flags_access_ok and bpf_get_file_flag).
inline constexpr std::uint32_t kAccessMask = kRdonly | kWronly | kRdonlyProg | kWronlyProg;
inline bool access_flags_ok(std::uint32_t flags) {
  return (flags & (kRdonlyProg | kWronlyProg)) != (kRdonlyProg | kWronlyProg);
}

// The constructors of each family, called by Map::create after the common checks. Each checks
// its own rules (the map_alloc_check of its Linux type) first.
Result<std::shared_ptr<Map>> create_array(const MapSpec& spec);
Result<std::shared_ptr<Map>> create_hash(const MapSpec& spec);
Result<std::shared_ptr<Map>> create_lpm_trie(const MapSpec& spec);
Result<std::shared_ptr<Map>> create_queue_stack(const MapSpec& spec);
Result<std::shared_ptr<Map>> create_ringbuf(const MapSpec& spec);
Result<std::shared_ptr<Map>> create_perf_event_array(const MapSpec& spec);
Result<std::shared_ptr<Map>> create_prog_array(const MapSpec& spec, MapRegistry* registry);
Result<std::shared_ptr<Map>> create_map_in_map(const MapSpec& spec, MapRegistry* registry);
Result<std::shared_ptr<Map>> create_devmap(const MapSpec& spec, MapRegistry* registry);

// Checks shared by the array family (array_map_alloc_check).
long check_array_spec(const MapSpec& spec, std::string& why);
// Program arrays, perf event arrays, arrays of maps (fd_array_map_alloc_check).
long check_fd_array_spec(const MapSpec& spec, std::string& why);
// Checks shared by the hash family (htab_map_alloc_check).
long check_hash_spec(const MapSpec& spec, std::string& why);

}  // namespace xbpf::runtime::maps
