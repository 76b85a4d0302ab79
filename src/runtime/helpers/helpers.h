// The helper functions xbpf implements, by Linux helper id.
#pragma once

#include <cstdint>
#include <string_view>

#include "vm/vm.h"

namespace xbpf::runtime::helpers {

// The implementation of helper `id`, or nullptr when xbpf does not implement it.
vm::Helper find(std::int32_t id);

}  // namespace xbpf::runtime::helpers
