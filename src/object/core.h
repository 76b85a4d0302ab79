// CO-RE (compile once, run everywhere) relocations, resolved against xbpf's own type
// descriptions: the uapi context structs of <linux/bpf.h> (and pt_regs), whose layout is the
// one the program was compiled against. So a relocation whose root is one of them resolves to
// what the object's own BTF says (usually leaving the instruction unchanged), and any other
// root (task_struct, sk_buff, ...) is refused: xbpf has no kernel BTF to match it against.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "object/btf.h"
#include "support/error.h"

namespace xbpf::object {

// The structs CO-RE relocations may name as their root type.
std::span<const std::string_view> core_known_structs();
bool is_core_known_struct(std::string_view name);

// The value a relocation resolves to when the target types are the object's own: the field's
// byte offset or size, 1 for existence, the type's size, the enumerator's value, ... The error
// (without a location) says which part of the access string is wrong.
Result<std::uint64_t> core_local_value(const Btf& btf, const CoreRelocation& relocation);

}  // namespace xbpf::object
