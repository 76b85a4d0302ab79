#include "runtime/helpers/helper_support.h"

#include "runtime/runtime.h"
#include "support/text.h"

namespace xbpf::runtime::helpers {

bool check_memory_slow(RunState& state, std::string_view helper, std::string_view what,
                       std::uint64_t address, std::uint64_t size, bool write) {
  if (vm::accessible(state, address, size, write)) return true;
  state.fail(make_error("bpf_" + std::string(helper) + ": " + std::string(what) + " (" +
                        std::to_string(size) + " bytes at " + to_hex(address) + ") is not " +
                        (write ? "writable" : "readable") + " memory of the program"));
  return false;
}

Map* check_map_slow(RunState& state, std::string_view helper, std::uint64_t value) {
  Map* map = pointer<Map>(value);
  const RunContext& run = run_context(state);
  // The maps the program references need no lock (its object holds them while it runs); any
  // other (an inner map, a tail-called program's map) is asked of the runtime.
  if (run.program != nullptr) {
    for (const Map* own : run.program->maps) {
      if (own == map) return map;
    }
  }
  if (!run.runtime->owns_map(map)) {
    state.fail(make_error("bpf_" + std::string(helper) + ": " + to_hex(value) + " is not a map"));
    return nullptr;
  }
  return map;
}

}  // namespace xbpf::runtime::helpers
