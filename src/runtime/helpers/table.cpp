#include "runtime/helpers/table.h"

#include "runtime/helpers/helpers.h"

namespace xbpf::runtime::helpers {

vm::Helper find(std::int32_t id) {
  static const HelperTable table = [] {
    HelperTable t;
    register_misc_helpers(t);
    register_trace_helpers(t);
    register_map_helpers(t);
    register_callback_helpers(t);
    register_xdp_helpers(t);
    register_event_helpers(t);
    register_sock_helpers(t);
    return t;
  }();
  return table.get(id);
}

}  // namespace xbpf::runtime::helpers
