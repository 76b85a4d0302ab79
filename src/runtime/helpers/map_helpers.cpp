// Map helpers: lookup, update, delete, push, pop, peek; bpf_spin_lock / bpf_spin_unlock.
#include "runtime/helpers/helper_support.h"
#include "runtime/helpers/table.h"
#include "runtime/maps/spin_lock.h"

namespace xbpf::runtime::helpers {
namespace {

// Key and value arguments must be readable (writable for pop/peek) memory of their size.
bool check_key(RunState& state, std::string_view helper, const Map& map, u64 key) {
  return check_memory(state, helper, "key", key, map.spec().key_size, false);
}

XBPF_DEFINE_HELPER(map_lookup_elem) {
  Map* map = check_map(state, "map_lookup_elem", r1);
  if (map == nullptr || !check_key(state, "map_lookup_elem", *map, r2)) return 0;
  return reinterpret_cast<u64>(map->lookup(pointer<const void>(r2), state.cpu));
}

XBPF_DEFINE_HELPER(map_update_elem) {
  Map* map = check_map(state, "map_update_elem", r1);
  if (map == nullptr || !check_key(state, "map_update_elem", *map, r2)) return 0;
  if (!check_memory(state, "map_update_elem", "value", r3, map->spec().value_size, false)) return 0;
  return error_code(map->update(pointer<const void>(r2), pointer<const void>(r3), r4, state.cpu));
}

XBPF_DEFINE_HELPER(map_delete_elem) {
  Map* map = check_map(state, "map_delete_elem", r1);
  if (map == nullptr || !check_key(state, "map_delete_elem", *map, r2)) return 0;
  return error_code(map->erase(pointer<const void>(r2), state.cpu));
}

XBPF_DEFINE_HELPER(map_push_elem) {
  Map* map = check_map(state, "map_push_elem", r1);
  if (map == nullptr ||
      !check_memory(state, "map_push_elem", "value", r2, map->spec().value_size, false))
    return 0;
  return error_code(map->push(pointer<const void>(r2), r3));
}

XBPF_DEFINE_HELPER(map_pop_elem) {
  Map* map = check_map(state, "map_pop_elem", r1);
  if (map == nullptr ||
      !check_memory(state, "map_pop_elem", "value", r2, map->spec().value_size, true))
    return 0;
  return error_code(map->pop(pointer<void>(r2)));
}

XBPF_DEFINE_HELPER(map_peek_elem) {
  Map* map = check_map(state, "map_peek_elem", r1);
  if (map == nullptr ||
      !check_memory(state, "map_peek_elem", "value", r2, map->spec().value_size, true))
    return 0;
  return error_code(map->peek(pointer<void>(r2)));
}

XBPF_DEFINE_HELPER(spin_lock) {
  if (!check_memory(state, "spin_lock", "lock", r1, 4, true)) return 0;
  lock_value(pointer<void>(r1));
  return 0;
}

XBPF_DEFINE_HELPER(spin_unlock) {
  if (!check_memory(state, "spin_unlock", "lock", r1, 4, true)) return 0;
  unlock_value(pointer<void>(r1));
  return 0;
}

}  // namespace

void register_map_helpers(HelperTable& table) {
  table.add(1, map_lookup_elem);
  table.add(2, map_update_elem);
  table.add(3, map_delete_elem);
  table.add(87, map_push_elem);
  table.add(88, map_pop_elem);
  table.add(89, map_peek_elem);
  table.add(93, spin_lock);
  table.add(94, spin_unlock);
}

}  // namespace xbpf::runtime::helpers
