// eBPF maps with Linux's semantics: type ids, creation rules, update flags and errno values.
//
// Two sides use a map. Programs (through helpers) look up a key and get a pointer to the value
// in place (their CPU's copy for per-CPU maps), update and delete. User space (the runtime,
// the CLI, later the libbpf API) copies values in and out, walks keys, and for per-CPU maps
// sees every CPU's copy at once (each rounded up to 8 bytes), as bpf(2) does.
//
// Every map is thread-safe: programs run on several threads while user space reads and
// updates. Lookups take no lock where Linux's take none (RCU there; here preallocated
// elements are never unmapped, so a looked-up value stays addressable while a program
// runs, as with Linux's preallocated maps). Storage is one arena per map addressed by
// offsets, not pointers, so that an arena can later live in shared memory.
//
// All operations return 0 or a negative Linux errno (support/linux_abi.h).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "support/error.h"
#include "support/linux_abi.h"

namespace xbpf::vm {
class Program;
}

namespace xbpf::runtime {

using linux_abi::MapType;

struct MapSpec {
  MapType type = MapType::unspec;
  std::uint32_t key_size = 0;
  std::uint32_t value_size = 0;
  std::uint32_t max_entries = 0;
  std::uint32_t flags = 0;
  std::string name;
  std::int32_t spin_lock_offset = -1;  // a struct bpf_spin_lock inside the value, if any
  unsigned possible_cpus = 1;          // copies per key of the per-CPU maps
  // Map-in-map: the inner map every value must be compatible with.
  std::shared_ptr<const MapSpec> inner;
};

class Map;

// What maps holding references (prog_array, map-in-map) resolve user-space ids with; the
// runtime implements it.
class MapRegistry {
 public:
  virtual ~MapRegistry() = default;
  virtual std::shared_ptr<Map> map_by_id(std::uint32_t id) = 0;
  virtual std::shared_ptr<const vm::Program> program_by_id(std::uint32_t id) = 0;
};

class Map {
 public:
  // Checks the spec as Linux's map_create does (sizes, flags, max_entries, per-type rules).
  // A refusal says why ("hash map: value_size 0, expected at least 1") and carries the errno
  // Linux returns in Error::linux_errno (EINVAL, E2BIG, ENOMEM, EOPNOTSUPP...).
  static Result<std::shared_ptr<Map>> create(const MapSpec& spec, MapRegistry* registry = nullptr);

  virtual ~Map() = default;
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;

  [[nodiscard]] const MapSpec& spec() const { return spec_; }
  [[nodiscard]] MapType type() const { return spec_.type; }

  // The id user space names the map by (bpf_map_info.id), given by whoever registers the map
  // (the runtime); 0 until then. Map-in-map values are inner maps' ids.
  [[nodiscard]] std::uint32_t id() const { return id_.load(std::memory_order_relaxed); }
  void set_id(std::uint32_t id) { id_.store(id, std::memory_order_relaxed); }

  // ---- Program side (helpers). `cpu` is the running program's CPU (< possible_cpus). ----

  // bpf_map_lookup_elem: the value in place, or nullptr (absent key, or a type without
  // lookup). For array_of_maps/hash_of_maps it is the inner Map* itself, as in Linux.
  virtual void* lookup(const void* key, unsigned cpu) = 0;
  // bpf_map_update_elem / bpf_map_delete_elem.
  virtual long update(const void* key, const void* value, std::uint64_t flags, unsigned cpu) = 0;
  virtual long erase(const void* key, unsigned cpu) = 0;
  // bpf_map_push_elem / pop / peek (queue, stack; peek also for bloom filters).
  virtual long push(const void* value, std::uint64_t flags);
  virtual long pop(void* value);
  virtual long peek(void* value);

  // ---- User space (bpf(2) semantics) ----

  // BPF_MAP_LOOKUP_ELEM: copies the value (every CPU's, each padded to 8 bytes, for per-CPU
  // maps; the inner map's id for map-in-map). flags: 0 or BPF_F_LOCK.
  virtual long user_lookup(const void* key, void* value, std::uint64_t flags) = 0;
  // BPF_MAP_UPDATE_ELEM (values as user_lookup returns them) / BPF_MAP_DELETE_ELEM.
  virtual long user_update(const void* key, const void* value, std::uint64_t flags) = 0;
  virtual long user_delete(const void* key) = 0;
  // BPF_MAP_GET_NEXT_KEY: the first key when `key` is null or absent (as Linux does for hash
  // maps), -ENOENT after the last.
  virtual long get_next_key(const void* key, void* next_key) = 0;
  // BPF_MAP_LOOKUP_AND_DELETE_ELEM: queue/stack pop (flags must be 0), hash maps' lookup
  // then delete (flags 0 or BPF_F_LOCK); -ENOTSUPP (524) for the other types, as in Linux.
  virtual long user_lookup_and_delete(const void* key, void* value, std::uint64_t flags = 0);

  // Size of the value buffer user_lookup fills.
  [[nodiscard]] std::size_t user_value_size() const;

  // The memory whose addresses program-side operations hand out (values in place, ring
  // buffer samples): the checked interpreter lets programs access it. Empty for maps that
  // give programs no pointers.
  [[nodiscard]] virtual std::span<std::byte> storage() const { return {}; }

  // Types with more operations derive from Map and add them in their own headers in this
  // folder: ringbuf.h (RingBuf), perf_event_array.h (PerfEventArray), prog_array.h
  // (ProgArray::program_at), devmap.h (DeviceMap::target_ifindex); spin_lock.h has the
  // bpf_spin_lock helpers' lock_value/unlock_value.

 protected:
  explicit Map(MapSpec spec) : spec_(std::move(spec)) {}

 private:
  MapSpec spec_;
  std::atomic<std::uint32_t> id_{0};
};

}  // namespace xbpf::runtime
