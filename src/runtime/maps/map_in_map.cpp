// BPF_MAP_TYPE_ARRAY_OF_MAPS and BPF_MAP_TYPE_HASH_OF_MAPS (kernel/bpf/map_in_map.c): values
// are inner maps. User space stores and reads inner map ids (Linux: stores fds, reads ids);
// programs look up the inner Map* itself and cannot update (Linux's verifier refuses; here
// -EOPNOTSUPP).
//
// The arrays keep ids and Map pointers in side tables (process-local references, so no
// arena); the hash keeps the id in its arena value and the pointer in a side table indexed
// by element. Replaced inner maps stay referenced until the outer map dies, because a
// program may still be using one (Linux waits for an RCU grace period).
#include <algorithm>
#include <mutex>
#include <vector>

#include "runtime/maps/hash_map.h"

namespace xbpf::runtime::maps {

namespace {

std::uint32_t read_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

bool array_like(MapType type) {
  return type == MapType::array || type == MapType::percpu_array ||
         type == MapType::perf_event_array;
}

// bpf_map_fd_get_ptr: the map named by `id`, if it matches the inner template
// (bpf_map_meta_equal; array_map_meta_equal also compares max_entries unless the template
// has BPF_F_INNER_MAP). -EBADF for an unknown id (Linux: a bad fd), -EINVAL on a mismatch.
long resolve_inner(MapRegistry* registry, const MapSpec& meta, std::uint32_t id,
                   std::shared_ptr<Map>& out) {
  out = registry != nullptr ? registry->map_by_id(id) : nullptr;
  if (out == nullptr) return -kEBADF;
  const MapSpec& s = out->spec();
  bool equal = s.type == meta.type && s.key_size == meta.key_size &&
               s.value_size == meta.value_size && s.flags == meta.flags &&
               s.spin_lock_offset == meta.spin_lock_offset;
  if (equal && array_like(meta.type) && (meta.flags & kInnerMap) == 0) {
    equal = s.max_entries == meta.max_entries;
  }
  if (!equal) {
    out.reset();
    return -kEINVAL;
  }
  return 0;
}

// Inner maps that are replaced stay alive with the outer map.
class Retired {
 public:
  void keep(std::shared_ptr<Map> map) {
    if (map == nullptr) return;
    std::lock_guard<std::mutex> guard(mutex_);
    if (std::find(maps_.begin(), maps_.end(), map) == maps_.end()) maps_.push_back(std::move(map));
  }

 private:
  std::mutex mutex_;
  std::vector<std::shared_ptr<Map>> maps_;
};

class ArrayOfMaps final : public Map {
 public:
  ArrayOfMaps(const MapSpec& spec, MapRegistry* registry) : Map(spec), registry_(registry) {}

  bool init() {
    const std::uint32_t n = spec().max_entries;
    if (std::uint64_t{n} * 32 > kMaxArenaBytes) return false;
    slots_.reset(new (std::nothrow) std::atomic<Map*>[n]);
    if (slots_ == nullptr) return false;
    for (std::uint32_t i = 0; i < n; ++i) slots_[i].store(nullptr, std::memory_order_relaxed);
    ids_.assign(n, 0);
    owners_.resize(n);
    return true;
  }

  void* lookup(const void* key, unsigned /*cpu*/) override {
    std::uint32_t index = read_u32(key);
    if (index >= spec().max_entries) return nullptr;
    return slots_[index].load(std::memory_order_acquire);
  }
  long update(const void*, const void*, std::uint64_t, unsigned) override { return -kEOPNOTSUPP; }
  long erase(const void*, unsigned) override { return -kEOPNOTSUPP; }

  long user_lookup(const void* key, void* value, std::uint64_t flags) override {
    if ((flags & ~kLock) != 0) return -kEINVAL;
    if (!user_can_read(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    std::uint32_t index = read_u32(key);
    if (index >= spec().max_entries) return -kENOENT;
    std::lock_guard<std::mutex> guard(mutex_);
    if (owners_[index] == nullptr) return -kENOENT;
    std::memcpy(value, &ids_[index], 4);
    return 0;
  }

  long user_update(const void* key, const void* value, std::uint64_t flags) override {
    if (!user_can_write(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    if (flags != kAny) return -kEINVAL;
    std::uint32_t index = read_u32(key);
    if (index >= spec().max_entries) return -kE2BIG;
    std::shared_ptr<Map> inner;
    std::uint32_t id = read_u32(value);
    if (long err = resolve_inner(registry_, *spec().inner, id, inner); err != 0) return err;
    set(index, std::move(inner), id);
    return 0;
  }

  long user_delete(const void* key) override {
    if (!user_can_write(spec())) return -kEPERM;
    std::uint32_t index = read_u32(key);
    if (index >= spec().max_entries) return -kE2BIG;
    return set(index, nullptr, 0) ? 0 : -kENOENT;
  }

  long get_next_key(const void* key, void* next_key) override {
    if (!user_can_read(spec())) return -kEPERM;
    std::uint32_t index = key == nullptr ? UINT32_MAX : read_u32(key);
    std::uint32_t next = 0;
    if (index < spec().max_entries) {
      if (index == spec().max_entries - 1) return -kENOENT;
      next = index + 1;
    }
    std::memcpy(next_key, &next, 4);
    return 0;
  }

 private:
  // Returns whether the slot held a map.
  bool set(std::uint32_t index, std::shared_ptr<Map> inner, std::uint32_t id) {
    std::lock_guard<std::mutex> guard(mutex_);
    bool had = owners_[index] != nullptr;
    retired_.keep(std::move(owners_[index]));
    slots_[index].store(inner.get(), std::memory_order_release);
    ids_[index] = id;
    owners_[index] = std::move(inner);
    return had;
  }

  MapRegistry* registry_;
  std::unique_ptr<std::atomic<Map*>[]> slots_;
  std::vector<std::uint32_t> ids_;
  std::vector<std::shared_ptr<Map>> owners_;
  Retired retired_;
  std::mutex mutex_;
};

// What HashOfMaps passes as an update's value: the id the arena stores, then the map.
struct InnerValue {
  std::uint32_t id;
  std::shared_ptr<Map>* map;
};

class HashOfMaps final : public HashMap {
 public:
  HashOfMaps(const MapSpec& spec, MapRegistry* registry)
      : HashMap(spec, Options{}), registry_(registry) {}

  bool init_side() {
    slots_.reset(new (std::nothrow) std::atomic<Map*>[capacity()]);
    if (slots_ == nullptr) return false;
    for (std::uint32_t i = 0; i < capacity(); ++i)
      slots_[i].store(nullptr, std::memory_order_relaxed);
    owners_.resize(capacity());
    return true;
  }

  void* lookup(const void* key, unsigned /*cpu*/) override {
    std::uint32_t e = find(key, hash_key(key));
    if (e == kNone) return nullptr;
    return slots_[e].load(std::memory_order_acquire);
  }
  long update(const void*, const void*, std::uint64_t, unsigned) override { return -kEOPNOTSUPP; }
  long erase(const void*, unsigned) override { return -kEOPNOTSUPP; }

  long user_update(const void* key, const void* value, std::uint64_t flags) override {
    if (!user_can_write(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    std::shared_ptr<Map> inner;
    InnerValue v{read_u32(value), &inner};
    if (long err = resolve_inner(registry_, *spec().inner, v.id, inner); err != 0) return err;
    if (flags > kExist) return -kEINVAL;
    return upsert(key, &v, static_cast<Op>(flags), false, Source::one_copy, 0);
  }

  long user_lookup_and_delete(const void* key, void* value, std::uint64_t flags) override {
    return Map::user_lookup_and_delete(key, value, flags);
  }

 protected:
  void on_fill(std::uint32_t elem, const void* value) override {
    const auto* v = static_cast<const InnerValue*>(value);
    // The element is ours until linked: no reader uses its side slot yet.
    retired_.keep(std::move(owners_[elem]));
    slots_[elem].store(v->map->get(), std::memory_order_release);
    owners_[elem] = *v->map;
  }

 private:
  MapRegistry* registry_;
  std::unique_ptr<std::atomic<Map*>[]> slots_;
  std::vector<std::shared_ptr<Map>> owners_;
  Retired retired_;
};

}  // namespace

Result<std::shared_ptr<Map>> create_map_in_map(const MapSpec& spec, MapRegistry* registry) {
  bool array = spec.type == MapType::array_of_maps;
  std::string what = array ? "array of maps: " : "hash of maps: ";
  std::string why;
  long err = 0;
  if (array) {
    err = check_fd_array_spec(spec, why);
  } else if (spec.value_size != 4) {
    err = kEINVAL;
    why = "value_size " + std::to_string(spec.value_size) + ", expected 4";
  } else {
    err = check_hash_spec(spec, why);
  }
  if (err != 0) return spec_error(spec, err, what + why);
  // bpf_map_meta_alloc.
  if (spec.inner == nullptr) return spec_error(spec, kEBADF, what + "no inner map");
  MapType inner = spec.inner->type;
  if (inner == MapType::array_of_maps || inner == MapType::hash_of_maps) {
    return spec_error(spec, kEINVAL, what + "an inner map cannot hold maps");
  }
  if (inner == MapType::prog_array) {
    return spec_error(spec, kENOTSUPP, what + "a program array cannot be an inner map");
  }
  if (array) {
    auto map = std::make_shared<ArrayOfMaps>(spec, registry);
    if (!map->init()) return spec_error(spec, kENOMEM, what + "too large");
    return std::shared_ptr<Map>(std::move(map));
  }
  auto map = std::make_shared<HashOfMaps>(spec, registry);
  if (!map->init() || !map->init_side()) return spec_error(spec, kENOMEM, what + "too large");
  return std::shared_ptr<Map>(std::move(map));
}

}  // namespace xbpf::runtime::maps
