// BPF_MAP_TYPE_PROG_ARRAY: the programs bpf_tail_call jumps to. User space stores program ids
// (Linux: program fds), resolved through MapRegistry::program_by_id; lookups return the ids.
// Programs cannot look up or update it (Linux's verifier refuses; here -EOPNOTSUPP).
//
// The arena holds each slot's program id; a side table holds the program pointers that
// tail calls read without a lock, and the shared_ptrs that keep the programs alive. A
// replaced or deleted program may still be running (a tail call in flight), so its
// shared_ptr is kept until the map is destroyed (Linux waits for an RCU grace period).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "runtime/maps/map.h"

namespace xbpf::runtime {

class ProgArray final : public Map {
 public:
  ProgArray(const MapSpec& spec, MapRegistry* registry);
  ~ProgArray() override;
  bool init();

  // The tail call target at `index`, or nullptr (out of range or empty). Lock-free.
  [[nodiscard]] const vm::Program* program_at(std::uint32_t index) const {
    if (index >= spec().max_entries) return nullptr;
    return slots_[index].load(std::memory_order_acquire);
  }
  // Stores a program directly (the loader filling a program array from an object's
  // initial values); `id` is what user space then reads back.
  long set(std::uint32_t index, std::shared_ptr<const vm::Program> program, std::uint32_t id);

  void* lookup(const void* key, unsigned cpu) override;
  long update(const void* key, const void* value, std::uint64_t flags, unsigned cpu) override;
  long erase(const void* key, unsigned cpu) override;
  long user_lookup(const void* key, void* value, std::uint64_t flags) override;
  long user_update(const void* key, const void* value, std::uint64_t flags) override;
  long user_delete(const void* key) override;
  long get_next_key(const void* key, void* next_key) override;

 private:
  MapRegistry* registry_;
  std::unique_ptr<std::atomic<const vm::Program*>[]> slots_;
  std::vector<std::uint32_t> ids_;  // guarded by mutex_ (the "arena": ids only)
  std::vector<std::shared_ptr<const vm::Program>> owners_;
  std::vector<std::shared_ptr<const vm::Program>> retired_;
  std::mutex mutex_;
};

}  // namespace xbpf::runtime
