// CO-RE relocations (.BTF.ext core_relo) resolved against the object's own BTF for the uapi
// structs xbpf implements, and the instructions patched as libbpf patches them.
#include <algorithm>
#include <array>

#include "object/core.h"
#include "object/loader.h"
#include "support/text.h"

namespace xbpf::object {
namespace {

// The one list of structs xbpf describes itself: the program contexts of <linux/bpf.h>, the
// structs they point to, and the register file of tracing programs.
constexpr std::array<std::string_view, 18> kKnownStructs = {
    "xdp_md",
    "__sk_buff",
    "bpf_sock_addr",
    "bpf_sock_ops",
    "bpf_sock",
    "sk_msg_md",
    "bpf_flow_keys",
    "bpf_perf_event_data",
    "bpf_raw_tracepoint_args",
    "pt_regs",
    "sk_reuseport_md",
    "bpf_sockopt",
    "bpf_sysctl",
    "bpf_cgroup_dev_ctx",
    "bpf_sk_lookup",
    "bpf_tcp_sock",
    "bpf_xdp_sock",
    "bpf_sock_tuple",
};

std::string_view kind_name(CoreKind kind) {
  switch (kind) {
    case CoreKind::field_byte_offset: return "field_byte_offset";
    case CoreKind::field_byte_size: return "field_byte_size";
    case CoreKind::field_exists: return "field_exists";
    case CoreKind::field_signed: return "field_signed";
    case CoreKind::field_lshift_u64: return "field_lshift_u64";
    case CoreKind::field_rshift_u64: return "field_rshift_u64";
    case CoreKind::type_id_local: return "type_id_local";
    case CoreKind::type_id_target: return "type_id_target";
    case CoreKind::type_exists: return "type_exists";
    case CoreKind::type_size: return "type_size";
    case CoreKind::enumval_exists: return "enumval_exists";
    case CoreKind::enumval_value: return "enumval_value";
    case CoreKind::type_matches: return "type_matches";
  }
  return "?";
}

Result<std::vector<std::uint32_t>> parse_access(std::string_view text) {
  std::vector<std::uint32_t> access;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(text.find(':', start), text.size());
    const std::string_view part = text.substr(start, end - start);
    std::uint64_t value = 0;
    bool valid = !part.empty() && part.size() <= 10;
    for (const char c : part) {
      valid = valid && c >= '0' && c <= '9';
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!valid || value > UINT32_MAX) {
      return make_error("malformed access string '" + std::string(text) +
                        "' (expected indexes separated by ':')");
    }
    access.push_back(static_cast<std::uint32_t>(value));
    if (end == text.size()) return access;
    start = end + 1;
  }
}

bool multiply_add(std::uint64_t& total, std::uint64_t count, std::uint64_t size) {
  if (size != 0 && count > (UINT64_MAX - total) / size) return false;
  total += count * size;
  return true;
}

Result<std::uint64_t> field_value(const Btf& btf, const CoreRelocation& relocation,
                                  const std::vector<std::uint32_t>& access) {
  auto fail = [&](const std::string& message) {
    return make_error("access string '" + relocation.access + "' on " +
                      btf.describe(relocation.type) + ": " + message);
  };
  const std::optional<std::uint64_t> root_size = btf.size_of(relocation.type);
  if (!root_size) return fail("the root type has no size");
  std::uint64_t bit_offset = 0;
  if (!multiply_add(bit_offset, access[0], *root_size * 8)) return fail("offset overflows");
  std::uint32_t current = relocation.type;
  const BtfMember* member = nullptr;
  for (std::size_t i = 1; i < access.size(); ++i) {
    const BtfType* type = btf.type(btf.resolve(current));
    if (type->kind == BtfKind::struct_ || type->kind == BtfKind::union_) {
      if (access[i] >= type->members.size()) {
        return fail("member index " + std::to_string(access[i]) + " is beyond the " +
                    std::to_string(type->members.size()) + " members of " +
                    btf.describe(btf.resolve(current)));
      }
      member = &type->members[access[i]];
      bit_offset += member->bit_offset;
      current = member->type;
    } else if (type->kind == BtfKind::array) {
      const std::optional<std::uint64_t> element = btf.size_of(type->array_element);
      if (!element || !multiply_add(bit_offset, access[i], *element * 8)) {
        return fail("array element offset cannot be computed");
      }
      member = nullptr;
      current = type->array_element;
    } else {
      return fail("component " + std::to_string(i) + " indexes into " + btf.describe(current) +
                  ", which is neither a struct, a union nor an array");
    }
  }
  const BtfType* field = btf.type(btf.resolve(current));
  const std::optional<std::uint64_t> field_size = btf.size_of(current);
  if (!field_size || *field_size == 0 || *field_size > 8 * 1024 * 1024) {
    return fail("the field's type " + btf.describe(current) + " has no size");
  }
  std::uint64_t byte_size = *field_size;
  std::uint64_t byte_offset = bit_offset / 8;
  std::uint64_t bit_size = byte_size * 8;
  if (member != nullptr && member->bitfield_size != 0) {
    // libbpf's bpf_core_calc_field_relo(): the smallest naturally aligned load that covers
    // the bitfield.
    bit_size = member->bitfield_size;
    byte_offset = bit_offset / 8 / byte_size * byte_size;
    while (bit_offset + bit_size - byte_offset * 8 > byte_size * 8) {
      if (byte_size >= 8) return fail("the bitfield does not fit an 8-byte load");
      byte_size *= 2;
      byte_offset = bit_offset / 8 / byte_size * byte_size;
    }
  }
  switch (relocation.kind) {
    case CoreKind::field_byte_offset: return byte_offset;
    case CoreKind::field_byte_size: return byte_size;
    case CoreKind::field_exists: return 1;
    case CoreKind::field_signed:
      return static_cast<std::uint64_t>(
          ((field->kind == BtfKind::enum_ || field->kind == BtfKind::enum64) && field->kind_flag) ||
          (field->kind == BtfKind::integer && (field->int_encoding & 1) != 0));
    case CoreKind::field_lshift_u64: {
      const std::uint64_t shift = bit_offset + bit_size - byte_offset * 8;
      if (shift > 64) return fail("the field does not fit a 64-bit load");
      return 64 - shift;
    }
    case CoreKind::field_rshift_u64:
      if (bit_size > 64) return fail("the field does not fit a 64-bit load");
      return 64 - bit_size;
    default: return fail("not a field relocation");
  }
}

}  // namespace

std::span<const std::string_view> core_known_structs() { return kKnownStructs; }

bool is_core_known_struct(std::string_view name) {
  return std::find(kKnownStructs.begin(), kKnownStructs.end(), name) != kKnownStructs.end();
}

Result<std::uint64_t> core_local_value(const Btf& btf, const CoreRelocation& relocation) {
  if (btf.type(relocation.type) == nullptr || relocation.type == 0) {
    return make_error("CO-RE relocation names type " + std::to_string(relocation.type) +
                      ", which the BTF does not have");
  }
  Result<std::vector<std::uint32_t>> access = parse_access(relocation.access);
  if (!access) return std::move(access).error();
  switch (relocation.kind) {
    case CoreKind::type_id_local:
    case CoreKind::type_id_target: return relocation.type;
    case CoreKind::type_exists:
    case CoreKind::type_matches: return 1;
    case CoreKind::type_size: {
      const std::optional<std::uint64_t> size = btf.size_of(relocation.type);
      if (!size) return make_error(btf.describe(relocation.type) + " has no size");
      return *size;
    }
    case CoreKind::enumval_exists:
    case CoreKind::enumval_value: {
      const BtfType* type = btf.type(btf.resolve(relocation.type));
      if (type->kind != BtfKind::enum_ && type->kind != BtfKind::enum64) {
        return make_error(std::string(kind_name(relocation.kind)) + " relocation on " +
                          btf.describe(relocation.type) + ", which is not an enum");
      }
      if ((*access)[0] >= type->values.size()) {
        return make_error("enumerator index " + std::to_string((*access)[0]) + " is beyond the " +
                          std::to_string(type->values.size()) + " enumerators of " +
                          btf.describe(relocation.type));
      }
      if (relocation.kind == CoreKind::enumval_exists) return 1;
      return static_cast<std::uint64_t>(type->values[(*access)[0]].value);
    }
    default: return field_value(btf, relocation, *access);
  }
}

namespace detail {

Status Loader::apply_core_relocations() {
  for (const BtfExtSection& ext : ext_) {
    if (ext.core.empty()) continue;
    CodeSection* code = nullptr;
    for (auto& [index, candidate] : code_) {
      if (candidate.elf->name == ext.section) code = &candidate;
    }
    if (code == nullptr) {
      return error(".BTF.ext has CO-RE relocations for section '" + ext.section +
                       "', which holds no functions",
                   ".BTF.ext");
    }
    if (code->failure) continue;
    for (const CoreRelocation& relocation : ext.core) {
      const std::string kind(kind_name(relocation.kind));
      if (relocation.instruction >= code->at_slot.size() ||
          code->at_slot[relocation.instruction] < 0) {
        return error("CO-RE relocation (" + kind + ") names insn " +
                         std::to_string(relocation.instruction) + " of section " + ext.section +
                         ", which is not the start of an instruction",
                     ".BTF.ext");
      }
      const auto index = static_cast<std::size_t>(code->at_slot[relocation.instruction]);
      if (Status applied = apply_core_relocation(*code, index, relocation); !applied) {
        fail_instruction(*code, index, std::move(applied).error());
      }
    }
  }
  return {};
}

Status Loader::apply_core_relocation(CodeSection& code, std::size_t index,
                                     const CoreRelocation& relocation) {
  const Btf& btf = *object_.btf;
  const std::string kind(kind_name(relocation.kind));
  const std::string where = describe_instruction(code, relocation.instruction);
  auto fail = [&](const std::string& message) {
    return error("CO-RE relocation (" + kind + ", access '" + relocation.access + "') at " + where +
                     ": " + message,
                 code.elf->name);
  };
  const std::uint32_t root = btf.resolve(relocation.type);
  const BtfType* root_type = btf.type(root);
  if (relocation.kind != CoreKind::type_id_local &&
      (root_type == nullptr || root_type->kind != BtfKind::struct_ ||
       !is_core_known_struct(root_type->name))) {
    std::string known;
    for (const std::string_view name : core_known_structs()) {
      known += (known.empty() ? "" : ", ") + std::string(name);
    }
    return fail("root type '" + btf.describe(relocation.type) +
                "' is not one of the uapi structs xbpf describes (" + known +
                "), so it cannot be resolved");
  }
  Result<std::uint64_t> value = core_local_value(btf, relocation);
  if (!value) return fail(value.error().message);
  isa::Instruction& insn = code.instructions[index];
  const isa::Form form = insn.info().form;
  if (form == isa::Form::alu_imm) {
    if (*value > UINT32_MAX) {
      return fail("value " + std::to_string(*value) + " does not fit the instruction's imm");
    }
    insn.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(*value));
  } else if (insn.op == isa::Op::lddw) {
    insn.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(*value));
    insn.next_imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(*value >> 32));
  } else if (form == isa::Form::ldx || form == isa::Form::st || form == isa::Form::stx) {
    if (relocation.kind == CoreKind::field_byte_offset) {
      if (*value > INT16_MAX) {
        return fail("offset " + std::to_string(*value) +
                    " does not fit the instruction's 16-bit offset");
      }
      insn.off = static_cast<std::int16_t>(*value);
    } else if (relocation.kind != CoreKind::field_byte_size) {
      return fail("a " + kind + " relocation cannot patch a memory access (" +
                  std::string(insn.info().name) + ")");
    }
    // field_byte_size on a load: the size is the compiled one (the layouts are the same).
  } else {
    return fail("cannot patch " + std::string(insn.info().name) +
                " (expected an ALU instruction with an immediate, lddw or a memory access)");
  }
  return {};
}

}  // namespace detail
}  // namespace xbpf::object
