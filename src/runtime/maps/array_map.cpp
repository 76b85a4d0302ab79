// BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY (kernel/bpf/arraymap.c): max_entries
// zero-initialised values, updated in place; a key is an index and is never deleted.
#include "runtime/maps/map_internal.h"

namespace xbpf::runtime::maps {

namespace {

constexpr std::uint32_t kArrayCreateFlags =
    kNumaNode | kMmapable | kAccessMask | kPreserveElems | kInnerMap;
constexpr std::uint32_t kPcpuMinUnitSize = 32 << 10;  // PCPU_MIN_UNIT_SIZE

std::uint32_t read_index(const void* key) {
  std::uint32_t index;
  std::memcpy(&index, key, 4);
  return index;
}

class ArrayMap final : public Map {
 public:
  explicit ArrayMap(const MapSpec& spec)
      : Map(spec),
        percpu_(spec.type == MapType::percpu_array),
        copies_(percpu_ ? spec.possible_cpus : 1),
        value_stride_(round_up8(spec.value_size)),
        elem_size_(value_stride_ * copies_),
        layout_{spec.value_size, spec.spin_lock_offset} {}

  bool init() {
    const std::size_t bytes = elem_size_ * spec().max_entries;
    if ((spec().flags & kMmapable) != 0) return Arena::allocate_pages(arena_, bytes);
    return Arena::allocate(arena_, bytes);
  }

  void* lookup(const void* key, unsigned cpu) override {
    std::uint32_t index = read_index(key);
    if (index >= spec().max_entries) return nullptr;
    return value_at(index, percpu_ ? cpu : 0);
  }

  long update(const void* key, const void* value, std::uint64_t flags, unsigned cpu) override {
    std::uint32_t index = read_index(key);
    if ((flags & ~kLock) > kExist) return -kEINVAL;
    if (index >= spec().max_entries) return -kE2BIG;
    if ((flags & kNoExist) != 0) return -kEEXIST;
    if ((flags & kLock) != 0 && layout_.lock < 0) return -kEINVAL;
    std::byte* dst = value_at(index, percpu_ ? cpu : 0);
    if ((flags & kLock) != 0) {
      layout_.write_locked(dst, value);
    } else {
      layout_.write(dst, value);
    }
    return 0;
  }

  long erase(const void* /*key*/, unsigned /*cpu*/) override { return -kEINVAL; }

  long user_lookup(const void* key, void* value, std::uint64_t flags) override {
    if ((flags & ~kLock) != 0) return -kEINVAL;
    if (!user_can_read(spec())) return -kEPERM;
    if ((flags & kLock) != 0 && layout_.lock < 0) return -kEINVAL;
    std::uint32_t index = read_index(key);
    if (index >= spec().max_entries) return -kENOENT;
    if (percpu_) {
      // Every CPU's copy, each padded to 8 bytes (bpf_percpu_array_copy).
      copy_from_arena(value, value_at(index, 0), elem_size_);
      return 0;
    }
    if ((flags & kLock) != 0) {
      layout_.read_locked(value, value_at(index, 0));
    } else {
      layout_.read(value, value_at(index, 0));
    }
    return 0;
  }

  long user_update(const void* key, const void* value, std::uint64_t flags) override {
    if (!user_can_write(spec())) return -kEPERM;
    if ((flags & kLock) != 0 && layout_.lock < 0) return -kEINVAL;
    if (!percpu_) return update(key, value, flags, 0);
    std::uint32_t index = read_index(key);
    if (flags > kExist) return -kEINVAL;
    if (index >= spec().max_entries) return -kE2BIG;
    if (flags == kNoExist) return -kEEXIST;
    copy_to_arena(value_at(index, 0), value, elem_size_);
    return 0;
  }

  long user_delete(const void* /*key*/) override {
    if (!user_can_write(spec())) return -kEPERM;
    return -kEINVAL;
  }

  long get_next_key(const void* key, void* next_key) override {
    if (!user_can_read(spec())) return -kEPERM;
    std::uint32_t index = key == nullptr ? UINT32_MAX : read_index(key);
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
  std::byte* value_at(std::uint32_t index, unsigned copy) const {
    return arena_.at(std::size_t{index} * elem_size_ + std::size_t{copy} * value_stride_);
  }

  Arena arena_;
  bool percpu_;
  unsigned copies_;
  std::size_t value_stride_;
  std::size_t elem_size_;
  ValueLayout layout_;
};

}  // namespace

long check_array_spec(const MapSpec& spec, std::string& why) {
  bool percpu = spec.type == MapType::percpu_array;
  if (spec.max_entries == 0) {
    why = "max_entries 0, expected at least 1";
    return kEINVAL;
  }
  if (spec.key_size != 4) {
    why = "key_size " + std::to_string(spec.key_size) + ", expected 4";
    return kEINVAL;
  }
  if (spec.value_size == 0) {
    why = "value_size 0, expected at least 1";
    return kEINVAL;
  }
  if ((spec.flags & ~kArrayCreateFlags) != 0 || !access_flags_ok(spec.flags)) {
    why = "flags 0x" + std::to_string(spec.flags) + " not allowed for an array";
    return kEINVAL;
  }
  if (spec.type != MapType::array && (spec.flags & (kMmapable | kInnerMap)) != 0) {
    why = "BPF_F_MMAPABLE and BPF_F_INNER_MAP are for plain arrays only";
    return kEINVAL;
  }
  if (spec.type != MapType::perf_event_array && (spec.flags & kPreserveElems) != 0) {
    why = "BPF_F_PRESERVE_ELEMS is for perf event arrays only";
    return kEINVAL;
  }
  if (spec.value_size > INT32_MAX) {
    why = "value_size " + std::to_string(spec.value_size) + " too large";
    return kE2BIG;
  }
  if (percpu && round_up8(spec.value_size) > kPcpuMinUnitSize) {
    why = "per-CPU value_size " + std::to_string(spec.value_size) + " above 32768";
    return kE2BIG;
  }
  // (array_map_alloc rounds max_entries up to a power of two for index masking, failing with
  // E2BIG past 2^31, unless the caller may bypass Spectre v1 mitigations, as root may: xbpf
  // never masks.)
  return 0;
}

Result<std::shared_ptr<Map>> create_array(const MapSpec& spec) {
  std::string why;
  if (long err = check_array_spec(spec, why); err != 0) return spec_error(spec, err, why);
  auto map = std::make_shared<ArrayMap>(spec);
  if (!map->init()) return spec_error(spec, kENOMEM, "array too large");
  return std::shared_ptr<Map>(std::move(map));
}

}  // namespace xbpf::runtime::maps
