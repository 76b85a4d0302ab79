// Internal: the table of helper implementations, filled by each family's register function.
#pragma once

#include <array>
#include <cstdint>

#include "vm/vm.h"

namespace xbpf::runtime::helpers {

class HelperTable {
 public:
  void add(std::int32_t id, vm::Helper helper) {
    helpers_.at(static_cast<std::size_t>(id)) = helper;
  }
  [[nodiscard]] vm::Helper get(std::int32_t id) const {
    return id >= 0 && static_cast<std::size_t>(id) < helpers_.size()
               ? helpers_[static_cast<std::size_t>(id)]
               : nullptr;
  }

 private:
  std::array<vm::Helper, vm::kMaxHelpers> helpers_{};
};

void register_misc_helpers(HelperTable& table);
void register_trace_helpers(HelperTable& table);
void register_map_helpers(HelperTable& table);
void register_callback_helpers(HelperTable& table);
void register_xdp_helpers(HelperTable& table);
void register_event_helpers(HelperTable& table);
void register_sock_helpers(HelperTable& table);

}  // namespace xbpf::runtime::helpers
