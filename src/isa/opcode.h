// The opcode table (opcodes.def) expanded into an enum and per-form metadata.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace xbpf::isa {

// One enumerator per row of opcodes.def: an instruction form, not just an opcode byte
// (sdiv and div share 0x3f; the offset field tells them apart).
enum class Op : std::uint8_t {
#define XBPF_INSN(name, ...) name,
#include "isa/opcodes.def"
#undef XBPF_INSN
};

inline constexpr std::size_t kOpCount = 0
#define XBPF_INSN(...) +1
#include "isa/opcodes.def"
#undef XBPF_INSN
    ;

// Which field distinguishes forms that share an opcode byte.
enum class Match : std::uint8_t { none, src, off, imm };

// Operand shape: which fields an instruction uses and which must be zero.
enum class Form : std::uint8_t {
  alu_imm,      // dst op= imm             src=0
  alu_reg,      // dst op= src             imm=0
  alu_neg,      // dst = -dst              src=0 off=0 imm=0
  alu_movsx,    // dst = (sN)src           imm=0, off selects N
  byteswap,     // dst = swap(dst)         src=0 off=0, imm selects width
  jump,         // goto +off               dst=0 src=0 imm=0
  jump_long,    // gotol +imm              dst=0 src=0 off=0
  cond_imm,     // if dst op imm goto +off src=0
  cond_reg,     // if dst op src goto +off imm=0
  call_helper,  // call imm                dst=0 off=0
  call_local,   // call pc+imm             dst=0 off=0
  call_btf,     // call btf_id imm         dst=0 off=0
  callx,        // callx dst               src=0 off=0 imm=0
  exit,         // exit                    all zero
  lddw,         // dst = imm64 (two slots) off=0, second slot opcode/regs/off zero
  ld_abs,       // r0 = packet[imm]        dst=0 src=0 off=0
  ld_ind,       // r0 = packet[src+imm]    dst=0 off=0
  ldx,          // dst = *(src + off)      imm=0
  st,           // *(dst + off) = imm      src=0
  stx,          // *(dst + off) = src      (imm=0)
  atomic,       // atomic op on *(dst + off) with src, imm selects the op
};

// The operation, shared by forms that differ only in operand source or width.
enum class Sem : std::uint8_t {
  add,
  sub,
  mul,
  div,
  sdiv,
  or_,
  and_,
  lsh,
  rsh,
  neg,
  mod,
  smod,
  xor_,
  mov,
  arsh,
  movsx8,
  movsx16,
  movsx32,
  le,
  be,
  bswap,
  ja,
  jeq,
  jgt,
  jge,
  jset,
  jne,
  jsgt,
  jsge,
  jlt,
  jle,
  jslt,
  jsle,
  call,
  call_local,
  call_btf,
  callx,
  exit,
  imm64,
  map_by_fd,
  map_val_fd,
  var_addr,
  code_addr,
  map_by_idx,
  map_val_idx,
  ldabs,
  ldind,
  load,
  load_sx,
  store,
  atomic_add,
  atomic_or,
  atomic_and,
  atomic_xor,
  atomic_fetch_add,
  atomic_fetch_or,
  atomic_fetch_and,
  atomic_fetch_xor,
  atomic_xchg,
  atomic_cmpxchg,
};

enum class Group : std::uint8_t { base32, base64, atomic32, atomic64, divmul32, divmul64, packet };

struct OpInfo {
  Op op;
  std::string_view name;  // the row's identifier, e.g. "add64_imm"
  std::uint8_t opcode;
  Match match;
  std::int32_t match_value;
  Form form;
  std::uint8_t width;  // bits
  Sem sem;
  std::string_view llvm;         // LLVM syntax pattern
  std::string_view conformance;  // bpf_conformance syntax pattern
  Group group;
};

namespace detail {
extern const std::array<OpInfo, kOpCount> kOpTable;  // indexed by Op
}  // namespace detail
// Inline: the interpreter's preparation, the verifier and the JIT ask per instruction.
inline const OpInfo& info(Op op) { return detail::kOpTable[static_cast<std::size_t>(op)]; }
std::span<const OpInfo> all_ops();

// Instruction classes (low three bits of the opcode).
inline constexpr std::uint8_t kClassLd = 0x0;
inline constexpr std::uint8_t kClassLdx = 0x1;
inline constexpr std::uint8_t kClassSt = 0x2;
inline constexpr std::uint8_t kClassStx = 0x3;
inline constexpr std::uint8_t kClassAlu = 0x4;
inline constexpr std::uint8_t kClassJmp = 0x5;
inline constexpr std::uint8_t kClassJmp32 = 0x6;
inline constexpr std::uint8_t kClassAlu64 = 0x7;

std::string_view group_name(Group group);
std::string_view form_name(Form form);

// True when the form writes dst (so dst may not be r10).
bool writes_dst(Form form, Sem sem);
// True when the operation writes src: the fetching atomics and xchg load the old value there
// (cmpxchg loads it into r0).
bool writes_src(Sem sem);
// True for forms whose instruction occupies two slots.
inline bool is_wide(Form form) { return form == Form::lddw; }
// Jump/branch forms whose target is relative to the next slot.
inline bool is_branch(Form form) {
  return form == Form::jump || form == Form::jump_long || form == Form::cond_imm ||
         form == Form::cond_reg;
}

}  // namespace xbpf::isa
