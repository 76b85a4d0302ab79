// Helpers that call back into the program: bpf_loop, bpf_for_each_map_elem.
#include <vector>

#include "runtime/helpers/helper_support.h"
#include "runtime/helpers/table.h"

namespace xbpf::runtime::helpers {
namespace {

constexpr u64 kMaxLoops = 1U << 23;  // BPF_MAX_LOOPS

// bpf_loop(nr_loops, callback, ctx, flags): callback(i, ctx) until it returns 1.
XBPF_DEFINE_HELPER(loop) {
  if (r4 != 0) return error_code(-linux_abi::kEINVAL);
  if (r1 > kMaxLoops) return error_code(-linux_abi::kE2BIG);
  for (u64 i = 0; i < r1; ++i) {
    const u64 args[2] = {i, r3};
    Result<u64> r0 = vm::call_function(state, r2, args);
    if (!r0) {
      state.fail(std::move(r0).error());
      return 0;
    }
    if (*r0 == 1) return i + 1;
  }
  return r1;
}

// bpf_for_each_map_elem(map, callback, ctx, flags): callback(map, &key, &value, ctx) for each
// element until it returns 1; the number of elements visited.
XBPF_DEFINE_HELPER(for_each_map_elem) {
  Map* map = check_map(state, "for_each_map_elem", r1);
  if (map == nullptr) return 0;
  if (r4 != 0) return error_code(-linux_abi::kEINVAL);
  // The key the callback reads lives in the run's memory for the duration of the walk.
  std::vector<std::uint8_t> key(std::max<std::uint32_t>(map->spec().key_size, 1));
  std::vector<std::uint8_t> next(key.size());
  state.add_region(
      {reinterpret_cast<u64>(key.data()), key.size(), false, "the for_each_map_elem key"});
  u64 visited = 0;
  const void* previous = nullptr;
  while (map->get_next_key(previous, next.data()) == 0) {
    key = next;
    previous = key.data();
    void* value = map->lookup(key.data(), state.cpu);
    if (value == nullptr) continue;  // deleted meanwhile
    ++visited;
    const u64 args[4] = {r1, reinterpret_cast<u64>(key.data()), reinterpret_cast<u64>(value), r3};
    Result<u64> r0 = vm::call_function(state, r2, args);
    if (!r0) {
      state.fail(std::move(r0).error());
      break;
    }
    if (*r0 == 1) break;
  }
  state.remove_last_region();
  return visited;
}

}  // namespace

void register_callback_helpers(HelperTable& table) {
  table.add(164, for_each_map_elem);
  table.add(181, loop);
}

}  // namespace xbpf::runtime::helpers
