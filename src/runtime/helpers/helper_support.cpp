#include "runtime/helpers/helper_support.h"

#include "runtime/runtime.h"
#include "support/text.h"

namespace xbpf::runtime::helpers {

bool check_memory(RunState& state, std::string_view helper, std::string_view what,
                  std::uint64_t address, std::uint64_t size, bool write) {
  if (state.engine != vm::Engine::checked || size == 0) return true;
  if (vm::accessible(state, address, size, write)) return true;
  state.fail(make_error("bpf_" + std::string(helper) + ": " + std::string(what) + " (" +
                        std::to_string(size) + " bytes at " + to_hex(address) + ") is not " +
                        (write ? "writable" : "readable") + " memory of the program"));
  return false;
}

Map* check_map(RunState& state, std::string_view helper, std::uint64_t value) {
  Map* map = pointer<Map>(value);
  if (state.engine != vm::Engine::checked) return map;
  if (!run_context(state).runtime->owns_map(map)) {
    state.fail(make_error("bpf_" + std::string(helper) + ": " + to_hex(value) + " is not a map"));
    return nullptr;
  }
  return map;
}

}  // namespace xbpf::runtime::helpers
