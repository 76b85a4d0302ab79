// CO-RE (compile once, run everywhere) relocations, resolved as libbpf resolves them against
// the kernel's BTF, but against xbpf's own: the types xbpf describes (core_targets.bpf.c, its
// BTF generated into core_targets_btf.inc): the wire formats of packet headers (ethhdr,
// iphdr, ipv6hdr, tcphdr, udphdr, VLAN, ARP, ICMP, GRE, ...), the uapi types of <linux/bpf.h>
// (program contexts, helper argument structs, enums) and x86-64's pt_regs. A relocation's
// root type is matched by name (libbpf's "___flavor" suffix dropped) and its access string
// field by field, by member name through anonymous structs and unions, so that a program
// built against any vmlinux.h gets the layout xbpf implements. Kernel-internal types
// (task_struct, sk_buff) have no description here: existence checks answer 0 for them, and
// any other relocation against them is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "object/btf.h"
#include "support/error.h"

namespace xbpf::object {

// The BTF of the types xbpf describes (parsed once).
const Btf& core_target_btf();

// True when xbpf describes a struct, union or enum of that name.
bool is_core_known_type(std::string_view name);

// What a relocation resolves to: its value in the object's own BTF (local) and in xbpf's
// (target; nullopt when the target has no such type, field or enumerator: the exists kinds
// then answer 0). For field relocations `size` is the field's byte size on each side, so a
// load can be patched to the target's width.
struct CoreResult {
  std::uint64_t local = 0;
  std::optional<std::uint64_t> target;
  std::uint64_t local_size = 0;
  std::uint64_t target_size = 0;
};

// Resolves `relocation` (its type is an id of `local`). The error (without a location) says
// what cannot be resolved and why.
Result<CoreResult> core_resolve(const Btf& local, const CoreRelocation& relocation);

// Why a relocation core_resolve() found no target for cannot be resolved, in words.
std::string core_unresolved(const Btf& local, const CoreRelocation& relocation);

// "field_byte_offset", ...
std::string_view core_kind_name(CoreKind kind);

// The value of a relocation in one BTF alone: the field's byte offset or size, 1 for
// existence, the type's size, the enumerator's value, ...
Result<std::uint64_t> core_local_value(const Btf& btf, const CoreRelocation& relocation);

}  // namespace xbpf::object
