// BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK (kernel/bpf/queue_stack_maps.c): a ring of
// max_entries + 1 slots under one lock. No keys: user space looks up (peek), updates (push)
// and looks up and deletes (pop); BPF_EXIST on a full map overwrites the oldest value.
#include "runtime/maps/map_internal.h"

namespace xbpf::runtime::maps {

namespace {

constexpr std::uint32_t kQueueStackCreateFlags = kNumaNode | kAccessMask;

class QueueStackMap final : public Map {
 public:
  explicit QueueStackMap(const MapSpec& spec)
      : Map(spec),
        stack_(spec.type == MapType::stack),
        slots_(spec.max_entries + 1),
        stride_(round_up8(spec.value_size)) {}

  bool init() { return Arena::allocate(arena_, 64 + std::size_t{slots_} * stride_); }

  void* lookup(const void* /*key*/, unsigned /*cpu*/) override { return nullptr; }
  long update(const void* /*key*/, const void* /*value*/, std::uint64_t /*flags*/,
              unsigned /*cpu*/) override {
    return -kEINVAL;
  }
  long erase(const void* /*key*/, unsigned /*cpu*/) override { return -kEINVAL; }

  long push(const void* value, std::uint64_t flags) override {
    if ((flags & kNoExist) != 0 || flags > kExist) return -kEINVAL;
    WordLock guard(arena_.word(0));
    std::uint32_t& head = arena_.word(4);
    std::uint32_t& tail = arena_.word(8);
    std::uint32_t next = head + 1 >= slots_ ? 0 : head + 1;
    if (next == tail) {
      if ((flags & kExist) == 0) return -kE2BIG;
      tail = tail + 1 >= slots_ ? 0 : tail + 1;  // drop the oldest
    }
    std::memcpy(slot(head), value, spec().value_size);
    head = next;
    return 0;
  }

  long pop(void* value) override { return get(value, true); }
  long peek(void* value) override { return get(value, false); }

  long user_lookup(const void* /*key*/, void* value, std::uint64_t flags) override {
    if ((flags & ~kLock) != 0) return -kEINVAL;
    if (!user_can_read(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    return peek(value);
  }
  long user_update(const void* /*key*/, const void* value, std::uint64_t flags) override {
    if (!user_can_write(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    return push(value, flags);
  }
  long user_delete(const void* /*key*/) override {
    if (!user_can_write(spec())) return -kEPERM;
    return -kEINVAL;
  }
  long get_next_key(const void* /*key*/, void* /*next_key*/) override {
    if (!user_can_read(spec())) return -kEPERM;
    return -kEINVAL;
  }
  long user_lookup_and_delete(const void* /*key*/, void* value, std::uint64_t flags) override {
    if ((flags & ~kLock) != 0) return -kEINVAL;
    if (!user_can_write(spec()) || !user_can_read(spec())) return -kEPERM;
    if (flags != 0) return -kEINVAL;
    return pop(value);
  }

 private:
  std::byte* slot(std::uint32_t index) const {
    return arena_.at(64 + std::size_t{index} * stride_);
  }

  long get(void* value, bool remove) {
    WordLock guard(arena_.word(0));
    std::uint32_t& head = arena_.word(4);
    std::uint32_t& tail = arena_.word(8);
    if (head == tail) {
      std::memset(value, 0, spec().value_size);
      return -kENOENT;
    }
    if (stack_) {
      std::uint32_t index = head == 0 ? slots_ - 1 : head - 1;
      std::memcpy(value, slot(index), spec().value_size);
      if (remove) head = index;
    } else {
      std::memcpy(value, slot(tail), spec().value_size);
      if (remove) tail = tail + 1 >= slots_ ? 0 : tail + 1;
    }
    return 0;
  }

  Arena arena_;  // lock, head, tail, then the slots
  bool stack_;
  std::uint32_t slots_;
  std::size_t stride_;
};

}  // namespace

Result<std::shared_ptr<Map>> create_queue_stack(const MapSpec& spec) {
  const char* what = spec.type == MapType::stack ? "stack" : "queue";
  if (spec.max_entries == 0 || spec.key_size != 0 || spec.value_size == 0 ||
      (spec.flags & ~kQueueStackCreateFlags) != 0 || !access_flags_ok(spec.flags)) {
    return spec_error(spec, kEINVAL,
                      std::string(what) + ": expected key_size 0, value_size and max_entries " +
                          "at least 1 and flags among BPF_F_NUMA_NODE and the access flags " +
                          "(found key_size " + std::to_string(spec.key_size) + ", value_size " +
                          std::to_string(spec.value_size) + ", max_entries " +
                          std::to_string(spec.max_entries) + ", flags " +
                          std::to_string(spec.flags) + ")");
  }
  if (spec.value_size > (std::uint32_t{1} << 22)) {
    return spec_error(spec, kE2BIG, std::string(what) + ": value_size above 4 MiB");
  }
  if ((std::uint64_t{spec.max_entries} + 1) * round_up8(spec.value_size) > kMaxArenaBytes) {
    return spec_error(spec, kENOMEM, std::string(what) + " too large");
  }
  auto map = std::make_shared<QueueStackMap>(spec);
  if (!map->init()) return spec_error(spec, kENOMEM, std::string(what) + " too large");
  return std::shared_ptr<Map>(std::move(map));
}

}  // namespace xbpf::runtime::maps
