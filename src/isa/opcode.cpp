#include "isa/opcode.h"

#include <array>

namespace xbpf::isa {
namespace detail {

constexpr std::array<OpInfo, kOpCount> kOpTable = {{
#define XBPF_INSN(name, opcode, match, value, form, width, sem, llvm, conf, group) \
  {Op::name, #name,    opcode, Match::match, value,       Form::form,              \
   width,    Sem::sem, llvm,   conf,         Group::group},
#include "isa/opcodes.def"
#undef XBPF_INSN
}};

}  // namespace detail

std::span<const OpInfo> all_ops() { return detail::kOpTable; }

std::string_view group_name(Group group) {
  switch (group) {
    case Group::base32: return "base32";
    case Group::base64: return "base64";
    case Group::atomic32: return "atomic32";
    case Group::atomic64: return "atomic64";
    case Group::divmul32: return "divmul32";
    case Group::divmul64: return "divmul64";
    case Group::packet: return "packet";
  }
  return "?";
}

std::string_view form_name(Form form) {
  switch (form) {
    case Form::alu_imm: return "alu_imm";
    case Form::alu_reg: return "alu_reg";
    case Form::alu_neg: return "alu_neg";
    case Form::alu_movsx: return "alu_movsx";
    case Form::byteswap: return "byteswap";
    case Form::jump: return "jump";
    case Form::jump_long: return "jump_long";
    case Form::cond_imm: return "cond_imm";
    case Form::cond_reg: return "cond_reg";
    case Form::call_helper: return "call_helper";
    case Form::call_local: return "call_local";
    case Form::call_btf: return "call_btf";
    case Form::callx: return "callx";
    case Form::exit: return "exit";
    case Form::lddw: return "lddw";
    case Form::ld_abs: return "ld_abs";
    case Form::ld_ind: return "ld_ind";
    case Form::ldx: return "ldx";
    case Form::st: return "st";
    case Form::stx: return "stx";
    case Form::atomic: return "atomic";
  }
  return "?";
}

bool writes_src(Sem sem) {
  return sem == Sem::atomic_fetch_add || sem == Sem::atomic_fetch_or ||
         sem == Sem::atomic_fetch_and || sem == Sem::atomic_fetch_xor || sem == Sem::atomic_xchg;
}

bool writes_dst(Form form, Sem sem) {
  switch (form) {
    case Form::alu_imm:
    case Form::alu_reg:
    case Form::alu_neg:
    case Form::alu_movsx:
    case Form::byteswap:
    case Form::lddw:
    case Form::ldx: return true;
    default: (void)sem; return false;
  }
}

}  // namespace xbpf::isa
