// An x86-64 instruction encoder: exactly the instruction forms the JIT emits, each appended as
// bytes to a buffer. Operand order follows Intel syntax (destination first). Every form has a
// byte-exact test (tests/unit/jit_encoder_test.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xbpf::jit::x86_64 {

enum class Reg : std::uint8_t {
  rax,
  rcx,
  rdx,
  rbx,
  rsp,
  rbp,
  rsi,
  rdi,
  r8,
  r9,
  r10,
  r11,
  r12,
  r13,
  r14,
  r15,
};

// Operand width of an integer operation.
enum class Width : std::uint8_t { b8 = 8, b16 = 16, b32 = 32, b64 = 64 };

// Two-operand ALU operations sharing the classic encoding (op r/m, reg = base + 1; the /digit
// of the 0x81/0x83 immediate group).
enum class Alu : std::uint8_t { add = 0, or_ = 1, and_ = 4, sub = 5, xor_ = 6, cmp = 7 };

// Shift operations: the /digit of the 0xc1/0xd3 group.
enum class Shift : std::uint8_t { rol = 0, ror = 1, shl = 4, shr = 5, sar = 7 };

// Condition codes (the low nibble of jcc / setcc).
enum class Cond : std::uint8_t {
  o = 0x0,
  b = 0x2,   // unsigned <
  ae = 0x3,  // unsigned >=
  e = 0x4,
  ne = 0x5,
  be = 0x6,  // unsigned <=
  a = 0x7,   // unsigned >
  l = 0xc,   // signed <
  ge = 0xd,  // signed >=
  le = 0xe,  // signed <=
  g = 0xf,   // signed >
};

// A memory operand [base + disp].
struct Mem {
  Reg base;
  std::int32_t disp = 0;
};

class Encoder {
 public:
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  void clear() { bytes_.clear(); }
  void reserve(std::size_t size) { bytes_.reserve(size); }
  // Overwrites a 32-bit little-endian value at `at` (jump and call fixups).
  void patch32(std::size_t at, std::int32_t value);

  // Register-register ALU: dst op= src (cmp: flags of dst - src). Width b32 or b64.
  void alu(Alu op, Width width, Reg dst, Reg src);
  // dst op= imm (sign-extended to 64 bits for b64).
  void alu(Alu op, Width width, Reg dst, std::int32_t imm);
  // [mem] op= src, with a lock prefix when `locked` (the non-fetching atomics).
  void alu(Alu op, Width width, Mem dst, Reg src, bool locked);
  void mov(Width width, Reg dst, Reg src);
  // mov dst, imm: the shortest form that yields the 64-bit value `value` in dst.
  void mov_imm(Reg dst, std::uint64_t value);
  // mov r32, imm32 (zero-extends), always five or six bytes (blinding keeps the form fixed).
  void mov_imm32(Reg dst, std::uint32_t value);
  // mov r64, imm32 sign-extended (REX.W C7 /0).
  void mov_imm_sx(Reg dst, std::int32_t value);
  // movabs r64, imm64 (always ten bytes).
  void mov_imm64(Reg dst, std::uint64_t value);
  void test(Width width, Reg a, Reg b);
  // test a, imm (b8: the low byte of a and an 8-bit immediate; b32, b64: a 32-bit one).
  void test(Width width, Reg a, std::int32_t imm);
  // cmp byte [mem], imm8.
  void cmp_byte(Mem mem, std::int8_t imm);
  void imul(Width width, Reg dst, Reg src);
  void imul(Width width, Reg dst, Reg src, std::int32_t imm);
  void shift(Shift op, Width width, Reg dst, std::uint8_t count);
  void shift_cl(Shift op, Width width, Reg dst);
  // BMI2 shlx / shrx / sarx: dst = src shifted by count (any register; no flags).
  void shiftx(Shift op, Width width, Reg dst, Reg src, Reg count);
  void neg(Width width, Reg dst);
  void div(Width width, Reg divisor);   // unsigned rdx:rax / divisor
  void idiv(Width width, Reg divisor);  // signed
  void cqo();                           // rdx = sign of rax
  void cdq();                           // edx = sign of eax
  // movzx / movsx from an 8, 16 (or for movsx, 32) bit register into a 32 or 64 bit one.
  void movzx(Width to, Reg dst, Width from, Reg src);
  void movsx(Width to, Reg dst, Width from, Reg src);
  void bswap(Width width, Reg reg);  // b32 or b64
  // Loads: zero-extending for b8/b16/b32 (into the full register), plain for b64.
  void load(Width width, Reg dst, Mem src);
  // Sign-extending loads into a 64-bit register.
  void load_sx(Width width, Reg dst, Mem src);
  void store(Width width, Mem dst, Reg src);
  void store_imm(Width width, Mem dst, std::int32_t imm);
  void lea(Reg dst, Mem src);
  void lea(Reg dst, Reg base, Reg index);  // dst = base + index
  void lock_xadd(Width width, Mem dst, Reg src);
  void lock_cmpxchg(Width width, Mem dst, Reg src);
  // Without the lock prefix: a plain read-modify-write (a misaligned atomic on the stack).
  void xadd(Width width, Mem dst, Reg src);
  void cmpxchg(Width width, Mem dst, Reg src);
  // Always locked (xchg with memory is, prefix or not).
  void xchg(Width width, Mem dst, Reg src);
  void push(Reg reg);
  void pop(Reg reg);
  void call(Reg target);
  void jmp(Reg target);
  // Relative branches with a 32-bit displacement; return the offset of the displacement field
  // (to patch32 it later: the displacement is relative to the end of the instruction).
  std::size_t call_rel32(std::int32_t disp = 0);
  std::size_t jmp_rel32(std::int32_t disp = 0);
  std::size_t jcc_rel32(Cond cond, std::int32_t disp = 0);
  // The short forms, with an 8-bit displacement.
  std::size_t jmp_rel8(std::int8_t disp = 0);
  std::size_t jcc_rel8(Cond cond, std::int8_t disp = 0);
  void patch8(std::size_t at, std::int8_t value) {
    bytes_.at(at) = static_cast<std::uint8_t>(value);
  }
  void ret();
  void int3();
  // `count` bytes of recommended multi-byte NOPs.
  void nop(std::size_t count);

 private:
  void byte(std::uint8_t value) { bytes_.push_back(value); }
  void imm16(std::uint16_t value);
  void imm32(std::uint32_t value);
  void imm64(std::uint64_t value);
  // Which operand, if any, is an 8-bit register (sil/dil/bpl/spl need a REX prefix).
  enum class ByteOperand : std::uint8_t { none, reg, rm };
  // REX prefix for reg (ModRM.reg) and rm (ModRM.rm, the base, or the opcode register).
  void rex(bool w, unsigned reg, unsigned rm, ByteOperand byte_operand = ByteOperand::none);
  void modrm_reg(unsigned reg, Reg rm);
  void modrm_mem(unsigned reg, Mem mem);
  // prefix (0x66 for 16-bit), REX, then opcode bytes for an r/m operation of `width`.
  void prefix(Width width, unsigned reg, unsigned rm, ByteOperand byte_operand = ByteOperand::none);

  std::vector<std::uint8_t> bytes_;
};

}  // namespace xbpf::jit::x86_64
