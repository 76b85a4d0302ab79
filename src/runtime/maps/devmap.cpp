// BPF_MAP_TYPE_DEVMAP and DEVMAP_HASH (kernel/bpf/devmap.c): see devmap.h.
#include "runtime/maps/devmap.h"

#include "runtime/maps/hash_map.h"

namespace xbpf::runtime::maps {

namespace {

constexpr std::uint32_t kDevCreateFlags = kNumaNode | kRdonly | kWronly;

std::uint32_t read_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// __dev_map_alloc_node's checks of a new value: 0 or -EINVAL.
long check_value(const MapSpec& spec, MapRegistry* registry, const void* value, DevmapValue& out,
                 bool allow_empty) {
  out = DevmapValue{};
  std::memcpy(&out, value, spec.value_size);
  if (out.ifindex == 0) {
    if (!allow_empty || out.program_id != 0) return -kEINVAL;
    return 0;
  }
  if (out.program_id != 0 &&
      (registry == nullptr || registry->program_by_id(out.program_id) == nullptr)) {
    return -kEINVAL;
  }
  return 0;
}

class DevMap final : public Map, public DeviceMap {
 public:
  DevMap(const MapSpec& spec, MapRegistry* registry) : Map(spec), registry_(registry) {}
  bool init() { return Arena::allocate(arena_, std::size_t{spec().max_entries} * 8); }

  std::optional<std::uint32_t> target_ifindex(std::uint32_t key) override {
    if (key >= spec().max_entries) return std::nullopt;
    std::uint32_t ifindex = load32(arena_.word(std::size_t{key} * 8), std::memory_order_relaxed);
    if (ifindex == 0) return std::nullopt;
    return ifindex;
  }
  std::optional<DevmapValue> entry(std::uint32_t key) override {
    if (key >= spec().max_entries) return std::nullopt;
    std::uint64_t v = load_relaxed<std::uint64_t>(arena_.at(std::size_t{key} * 8));
    DevmapValue out{};
    std::memcpy(&out, &v, 8);
    if (out.ifindex == 0) return std::nullopt;
    return out;
  }

  void* lookup(const void* key, unsigned /*cpu*/) override {
    std::uint32_t index = read_u32(key);
    if (!target_ifindex(index)) return nullptr;
    return arena_.at(std::size_t{index} * 8);
  }
  long update(const void*, const void*, std::uint64_t, unsigned) override { return -kEOPNOTSUPP; }
  long erase(const void*, unsigned) override { return -kEOPNOTSUPP; }

  long user_lookup(const void* key, void* value, std::uint64_t flags) override {
    if ((flags & ~kLock) != 0) return -kEINVAL;
    if (!user_can_read(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    std::optional<DevmapValue> e = entry(read_u32(key));
    if (!e) return -kENOENT;
    std::memcpy(value, &*e, spec().value_size);
    return 0;
  }

  long user_update(const void* key, const void* value, std::uint64_t flags) override {
    if (!user_can_write(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    if (flags > kExist) return -kEINVAL;
    std::uint32_t index = read_u32(key);
    if (index >= spec().max_entries) return -kE2BIG;
    if (flags == kNoExist) return -kEEXIST;
    DevmapValue v{};
    if (long err = check_value(spec(), registry_, value, v, true); err != 0) return err;
    std::uint64_t packed;
    std::memcpy(&packed, &v, 8);
    store_relaxed(arena_.at(std::size_t{index} * 8), packed);
    return 0;
  }

  long user_delete(const void* key) override {
    if (!user_can_write(spec())) return -kEPERM;
    std::uint32_t index = read_u32(key);
    if (index >= spec().max_entries) return -kEINVAL;
    store_relaxed<std::uint64_t>(arena_.at(std::size_t{index} * 8), 0);
    return 0;
  }

  // dev_map_get_next_key walks every index, present or not.
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

  [[nodiscard]] std::span<std::byte> storage() const override {
    return {arena_.data(), arena_.size()};
  }

 private:
  MapRegistry* registry_;
  Arena arena_;
};

class DevMapHash final : public HashMap, public DeviceMap {
 public:
  DevMapHash(const MapSpec& spec, MapRegistry* registry)
      : HashMap(spec, Options{false, false, true}), registry_(registry) {}

  std::optional<std::uint32_t> target_ifindex(std::uint32_t key) override {
    const void* value = HashMap::lookup(&key, 0);
    if (value == nullptr) return std::nullopt;
    return load32(*static_cast<const std::uint32_t*>(value), std::memory_order_relaxed);
  }
  std::optional<DevmapValue> entry(std::uint32_t key) override {
    DevmapValue out{};
    if (HashMap::user_lookup(&key, &out, 0) != 0) return std::nullopt;
    return out;
  }

  long update(const void*, const void*, std::uint64_t, unsigned) override { return -kEOPNOTSUPP; }
  long erase(const void*, unsigned) override { return -kEOPNOTSUPP; }

  // dev_map_hash_update_elem: BPF_EXIST inserts a missing key; the value is checked before
  // an existing key is refused for BPF_NOEXIST; the map is full at max_entries.
  long user_update(const void* key, const void* value, std::uint64_t flags) override {
    if (!user_can_write(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    if (flags > kExist) return -kEINVAL;
    DevmapValue v{};
    if (long err = check_value(spec(), registry_, value, v, false); err != 0) return err;
    if (flags == kNoExist && find(key, hash_key(key)) != kNone) return -kEEXIST;
    return upsert(key, &v, flags == kNoExist ? Op::noexist : Op::any, false, Source::one_copy, 0);
  }

  long user_lookup_and_delete(const void* key, void* value, std::uint64_t flags) override {
    return Map::user_lookup_and_delete(key, value, flags);
  }

 private:
  MapRegistry* registry_;
};

}  // namespace

Result<std::shared_ptr<Map>> create_devmap(const MapSpec& spec, MapRegistry* registry) {
  bool hash = spec.type == MapType::devmap_hash;
  std::string what = hash ? "devmap_hash: " : "devmap: ";
  if (spec.max_entries == 0 || spec.key_size != 4 ||
      (spec.value_size != 4 && spec.value_size != 8) || (spec.flags & ~kDevCreateFlags) != 0) {
    return spec_error(spec, kEINVAL,
                      what + "expected key_size 4, value_size 4 or 8, max_entries at least 1 " +
                          "and flags among BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_WRONLY (found " +
                          "key_size " + std::to_string(spec.key_size) + ", value_size " +
                          std::to_string(spec.value_size) + ", max_entries " +
                          std::to_string(spec.max_entries) + ", flags " +
                          std::to_string(spec.flags) + ")");
  }
  if (hash) {
    if (spec.max_entries > (std::uint32_t{1} << 31)) {
      return spec_error(spec, kEINVAL, what + "max_entries above 2^31");
    }
    auto map = std::make_shared<DevMapHash>(spec, registry);
    if (!map->init()) return spec_error(spec, kENOMEM, what + "too large");
    return std::shared_ptr<Map>(std::move(map));
  }
  auto map = std::make_shared<DevMap>(spec, registry);
  if (!map->init()) return spec_error(spec, kENOMEM, what + "too large");
  return std::shared_ptr<Map>(std::move(map));
}

}  // namespace xbpf::runtime::maps

namespace xbpf::runtime {

DeviceMap* as_device_map(Map& map) { return dynamic_cast<DeviceMap*>(&map); }

}  // namespace xbpf::runtime
