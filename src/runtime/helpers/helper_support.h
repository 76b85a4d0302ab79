// Internal to the helper implementations: argument checks and small conversions.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/maps/map.h"
#include "runtime/run_context.h"
#include "support/linux_abi.h"
#include "vm/vm.h"

namespace xbpf::runtime::helpers {

using u64 = std::uint64_t;
using vm::RunState;

// The task a hook runs the program for (hook_context.h), or nullptr: xbpf's own process.
inline CurrentTask* current_task(const RunState& state) {
  return state.user == nullptr ? nullptr : static_cast<const RunContext*>(state.user)->task;
}

// Declares a helper with the VM's signature.
#define XBPF_DEFINE_HELPER(name)                                                           \
  std::uint64_t name([[maybe_unused]] std::uint64_t r1, [[maybe_unused]] std::uint64_t r2, \
                     [[maybe_unused]] std::uint64_t r3, [[maybe_unused]] std::uint64_t r4, \
                     [[maybe_unused]] std::uint64_t r5, [[maybe_unused]] vm::RunState& state)

inline std::uint64_t error_code(long negative_errno) {
  return static_cast<std::uint64_t>(negative_errno);
}

template <class T>
T* pointer(std::uint64_t value) {
  return reinterpret_cast<T*>(value);
}

// The checked mode's argument checks, out of line: the fast mode only tests the engine.
bool check_memory_slow(RunState& state, std::string_view helper, std::string_view what,
                       std::uint64_t address, std::uint64_t size, bool write);
Map* check_map_slow(RunState& state, std::string_view helper, std::uint64_t value);

// In the checked mode, a pointer argument must point into memory the program may use; the
// verifier proves it otherwise. On failure the run stops with a message naming the helper.
inline bool check_memory(RunState& state, std::string_view helper, std::string_view what,
                         std::uint64_t address, std::uint64_t size, bool write) {
  if (state.engine != vm::Engine::checked || size == 0) return true;
  return check_memory_slow(state, helper, what, address, size, write);
}
// In the checked mode, a map argument must be a map of the runtime.
inline Map* check_map(RunState& state, std::string_view helper, std::uint64_t value) {
  if (state.engine != vm::Engine::checked) return pointer<Map>(value);
  return check_map_slow(state, helper, value);
}

}  // namespace xbpf::runtime::helpers
