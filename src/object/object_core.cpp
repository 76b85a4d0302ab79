// CO-RE relocations (.BTF.ext core_relo) resolved against xbpf's own type descriptions
// (core.h), and the instructions patched as libbpf's bpf_core_patch_insn patches them.
#include <algorithm>

#include "object/core.h"
#include "object/loader.h"
#include "support/text.h"

namespace xbpf::object {
namespace {

// The load or store of the same kind with another width, or nullopt.
std::optional<isa::Op> with_width(isa::Op op, std::uint64_t bytes) {
  using isa::Op;
  static constexpr Op kLoads[] = {Op::ldxb, Op::ldxh, Op::ldxw, Op::ldxdw};
  static constexpr Op kStores[] = {Op::stxb, Op::stxh, Op::stxw, Op::stxdw};
  static constexpr Op kImmediates[] = {Op::stb, Op::sth, Op::stw, Op::stdw};
  const int index = bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : bytes == 8 ? 3 : -1;
  if (index < 0) return std::nullopt;
  for (const auto* family : {kLoads, kStores, kImmediates}) {
    if (std::find(family, family + 4, op) != family + 4) return family[index];
  }
  return std::nullopt;
}

}  // namespace

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
      const std::string kind(core_kind_name(relocation.kind));
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
  const std::string kind(core_kind_name(relocation.kind));
  const std::string where = describe_instruction(code, relocation.instruction);
  auto fail = [&](const std::string& message) {
    return error("CO-RE relocation (" + kind + ", access '" + relocation.access + "') at " + where +
                     ": " + message,
                 code.elf->name);
  };
  Result<CoreResult> resolved = core_resolve(btf, relocation);
  if (!resolved) return fail(resolved.error().message);
  const bool existence =
      relocation.kind == CoreKind::field_exists || relocation.kind == CoreKind::type_exists ||
      relocation.kind == CoreKind::type_matches || relocation.kind == CoreKind::enumval_exists;
  if (!resolved->target && !existence) {
    return fail(core_unresolved(btf, relocation) + ", so it cannot be resolved");
  }
  const std::uint64_t value = resolved->target.value_or(0);
  isa::Instruction& insn = code.instructions[index];
  const isa::Form form = insn.info().form;
  if (form == isa::Form::alu_imm) {
    if (value > UINT32_MAX) {
      return fail("value " + std::to_string(value) + " does not fit the instruction's imm");
    }
    insn.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
  } else if (insn.op == isa::Op::lddw) {
    insn.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
    insn.next_imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(value >> 32));
  } else if (form == isa::Form::ldx || form == isa::Form::st || form == isa::Form::stx) {
    if (relocation.kind == CoreKind::field_byte_offset) {
      if (value > INT16_MAX) {
        return fail("offset " + std::to_string(value) +
                    " does not fit the instruction's 16-bit offset");
      }
      insn.off = static_cast<std::int16_t>(value);
      // A field of another width in xbpf's layout: the access takes that width, when it
      // had the field's width (libbpf patches the size the same way).
      if (resolved->target_size != resolved->local_size) {
        const std::uint64_t width = insn.info().width / 8;
        const std::optional<isa::Op> resized = with_width(insn.op, resolved->target_size);
        if (width != resolved->local_size || !resized) {
          return fail("the field is " + std::to_string(resolved->target_size) +
                      " bytes in xbpf's layout and " + std::to_string(resolved->local_size) +
                      " in the object's, and the access of " + std::to_string(width) +
                      " bytes cannot be made to fit");
        }
        insn.op = *resized;
      }
    } else if (relocation.kind != CoreKind::field_byte_size) {
      return fail("a " + kind + " relocation cannot patch a memory access (" +
                  std::string(insn.info().name) + ")");
    }
  } else {
    return fail("cannot patch " + std::string(insn.info().name) +
                " (expected an ALU instruction with an immediate, lddw or a memory access)");
  }
  return {};
}

}  // namespace detail
}  // namespace xbpf::object
