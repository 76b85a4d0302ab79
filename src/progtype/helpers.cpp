// The helper prototypes, expanded from helpers.def.
#include <array>

#include "progtype/progtype.h"

namespace xbpf::progtype {
namespace {

constexpr HelperPrototype kHelpers[] = {
#define XBPF_HELPER(id, name, ret, a1, a2, a3, a4, a5) \
  {id, #name, ReturnType::ret, {ArgType::a1, ArgType::a2, ArgType::a3, ArgType::a4, ArgType::a5}},
#include "progtype/helpers.def"
#undef XBPF_HELPER
};

// helper() indexes the table by id - 1.
constexpr bool ids_are_dense() {
  for (std::size_t i = 0; i < std::size(kHelpers); ++i) {
    if (kHelpers[i].id != static_cast<std::int32_t>(i + 1)) return false;
  }
  return true;
}
static_assert(ids_are_dense(), "helpers.def must list ids 1..N in order, without gaps");

}  // namespace

const HelperPrototype* helper(std::int32_t id) {
  if (id < 1 || static_cast<std::size_t>(id) > std::size(kHelpers)) return nullptr;
  return &kHelpers[id - 1];
}

const HelperPrototype* helper_named(std::string_view name) {
  for (const HelperPrototype& row : kHelpers) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

std::span<const HelperPrototype> all_helpers() { return kHelpers; }

std::string_view arg_type_name(ArgType type) {
  switch (type) {
    case ArgType::none: return "none";
    case ArgType::anything: return "anything";
    case ArgType::const_map_ptr: return "const_map_ptr";
    case ArgType::map_key: return "map_key";
    case ArgType::map_value: return "map_value";
    case ArgType::map_value_or_null: return "map_value_or_null";
    case ArgType::uninit_map_value: return "uninit_map_value";
    case ArgType::mem: return "mem";
    case ArgType::mem_or_null: return "mem_or_null";
    case ArgType::uninit_mem: return "uninit_mem";
    case ArgType::uninit_mem_or_null: return "uninit_mem_or_null";
    case ArgType::const_size: return "const_size";
    case ArgType::const_size_or_zero: return "const_size_or_zero";
    case ArgType::ctx: return "ctx";
    case ArgType::ctx_or_null: return "ctx_or_null";
    case ArgType::spin_lock: return "spin_lock";
    case ArgType::long_ptr: return "long_ptr";
    case ArgType::int_ptr: return "int_ptr";
    case ArgType::const_str: return "const_str";
    case ArgType::func: return "func";
    case ArgType::stack_or_null: return "stack_or_null";
    case ArgType::ringbuf_mem: return "ringbuf_mem";
    case ArgType::const_alloc_size_or_zero: return "const_alloc_size_or_zero";
    case ArgType::sock_common: return "sock_common";
    case ArgType::socket: return "socket";
    case ArgType::btf_id_sock_common: return "btf_id_sock_common";
    case ArgType::btf_id: return "btf_id";
    case ArgType::other: return "other";
  }
  return "?";
}

std::string_view return_type_name(ReturnType type) {
  switch (type) {
    case ReturnType::integer: return "integer";
    case ReturnType::void_: return "void";
    case ReturnType::map_value: return "map_value";
    case ReturnType::map_value_or_null: return "map_value_or_null";
    case ReturnType::ringbuf_mem_or_null: return "ringbuf_mem_or_null";
    case ReturnType::socket_or_null: return "socket_or_null";
    case ReturnType::sock_common_or_null: return "sock_common_or_null";
    case ReturnType::tcp_sock_or_null: return "tcp_sock_or_null";
    case ReturnType::btf_id: return "btf_id";
    case ReturnType::btf_id_or_null: return "btf_id_or_null";
    case ReturnType::other: return "other";
  }
  return "?";
}

}  // namespace xbpf::progtype
