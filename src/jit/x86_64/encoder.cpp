#include "jit/x86_64/encoder.h"

namespace xbpf::jit::x86_64 {
namespace {

unsigned index(Reg reg) { return static_cast<unsigned>(reg); }
bool fits8(std::int64_t value) { return value >= -128 && value <= 127; }
constexpr std::uint8_t kLock = 0xf0;
constexpr std::uint8_t kOperandSize = 0x66;
constexpr std::uint8_t kTwoByte = 0x0f;

}  // namespace

void Encoder::patch32(std::size_t at, std::int32_t value) {
  const auto bits = static_cast<std::uint32_t>(value);
  for (int i = 0; i < 4; ++i) {
    bytes_.at(at + static_cast<std::size_t>(i)) = static_cast<std::uint8_t>(bits >> (8 * i));
  }
}

void Encoder::imm16(std::uint16_t value) {
  byte(static_cast<std::uint8_t>(value));
  byte(static_cast<std::uint8_t>(value >> 8));
}

void Encoder::imm32(std::uint32_t value) {
  for (int i = 0; i < 4; ++i) byte(static_cast<std::uint8_t>(value >> (8 * i)));
}

void Encoder::imm64(std::uint64_t value) {
  for (int i = 0; i < 8; ++i) byte(static_cast<std::uint8_t>(value >> (8 * i)));
}

void Encoder::rex(bool w, unsigned reg, unsigned rm, ByteOperand byte_operand) {
  const auto value = static_cast<std::uint8_t>(0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3));
  // Without REX, byte registers 4-7 mean ah/ch/dh/bh; with it, spl/bpl/sil/dil.
  const unsigned byte_reg = byte_operand == ByteOperand::reg  ? reg
                            : byte_operand == ByteOperand::rm ? rm
                                                              : 0;
  const bool needs_byte_rex = byte_reg >= 4 && byte_reg <= 7;
  if (value != 0x40 || needs_byte_rex) byte(value);
}

void Encoder::modrm_reg(unsigned reg, Reg rm) {
  byte(static_cast<std::uint8_t>(0xc0 | ((reg & 7) << 3) | (index(rm) & 7)));
}

void Encoder::modrm_mem(unsigned reg, Mem mem) {
  const unsigned base = index(mem.base) & 7;
  // rbp/r13 as a base have no displacement-free form; rsp/r12 need a SIB byte.
  const unsigned mod = mem.disp == 0 && base != 5 ? 0 : fits8(mem.disp) ? 1 : 2;
  byte(static_cast<std::uint8_t>((mod << 6) | ((reg & 7) << 3) | base));
  if (base == 4) byte(0x24);
  if (mod == 1) byte(static_cast<std::uint8_t>(static_cast<std::int8_t>(mem.disp)));
  if (mod == 2) imm32(static_cast<std::uint32_t>(mem.disp));
}

void Encoder::prefix(Width width, unsigned reg, unsigned rm, ByteOperand byte_operand) {
  if (width == Width::b16) byte(kOperandSize);
  rex(width == Width::b64, reg, rm, byte_operand);
}

void Encoder::alu(Alu op, Width width, Reg dst, Reg src) {
  prefix(width, index(src), index(dst));
  byte(static_cast<std::uint8_t>(static_cast<unsigned>(op) * 8 + 1));
  modrm_reg(index(src), dst);
}

void Encoder::alu(Alu op, Width width, Reg dst, std::int32_t imm) {
  prefix(width, 0, index(dst));
  if (fits8(imm)) {
    byte(0x83);
    modrm_reg(static_cast<unsigned>(op), dst);
    byte(static_cast<std::uint8_t>(static_cast<std::int8_t>(imm)));
  } else {
    byte(0x81);
    modrm_reg(static_cast<unsigned>(op), dst);
    imm32(static_cast<std::uint32_t>(imm));
  }
}

void Encoder::alu(Alu op, Width width, Mem dst, Reg src, bool locked) {
  if (locked) byte(kLock);
  prefix(width, index(src), index(dst.base));
  byte(static_cast<std::uint8_t>(static_cast<unsigned>(op) * 8 + 1));
  modrm_mem(index(src), dst);
}

void Encoder::mov(Width width, Reg dst, Reg src) {
  prefix(width, index(src), index(dst));
  byte(0x89);
  modrm_reg(index(src), dst);
}

void Encoder::mov_imm(Reg dst, std::uint64_t value) {
  if (value == 0) {
    alu(Alu::xor_, Width::b32, dst, dst);
  } else if (value <= 0xffffffffU) {
    mov_imm32(dst, static_cast<std::uint32_t>(value));
  } else if (static_cast<std::int64_t>(value) >= INT32_MIN &&
             static_cast<std::int64_t>(value) <= INT32_MAX) {
    mov_imm_sx(dst, static_cast<std::int32_t>(static_cast<std::int64_t>(value)));
  } else {
    mov_imm64(dst, value);
  }
}

void Encoder::mov_imm32(Reg dst, std::uint32_t value) {
  rex(false, 0, index(dst));
  byte(static_cast<std::uint8_t>(0xb8 + (index(dst) & 7)));
  imm32(value);
}

void Encoder::mov_imm_sx(Reg dst, std::int32_t value) {
  rex(true, 0, index(dst));
  byte(0xc7);
  modrm_reg(0, dst);
  imm32(static_cast<std::uint32_t>(value));
}

void Encoder::mov_imm64(Reg dst, std::uint64_t value) {
  rex(true, 0, index(dst));
  byte(static_cast<std::uint8_t>(0xb8 + (index(dst) & 7)));
  imm64(value);
}

void Encoder::test(Width width, Reg a, Reg b) {
  prefix(width, index(b), index(a));
  byte(0x85);
  modrm_reg(index(b), a);
}

void Encoder::test(Width width, Reg a, std::int32_t imm) {
  if (width == Width::b8) {  // test r/m8, imm8
    rex(false, 0, index(a), ByteOperand::rm);
    byte(0xf6);
    modrm_reg(0, a);
    byte(static_cast<std::uint8_t>(imm));
    return;
  }
  prefix(width, 0, index(a));
  byte(0xf7);
  modrm_reg(0, a);
  imm32(static_cast<std::uint32_t>(imm));
}

void Encoder::cmp_byte(Mem mem, std::int8_t imm) {
  rex(false, 0, index(mem.base));
  byte(0x80);
  modrm_mem(7, mem);
  byte(static_cast<std::uint8_t>(imm));
}

void Encoder::imul(Width width, Reg dst, Reg src) {
  prefix(width, index(dst), index(src));
  byte(kTwoByte);
  byte(0xaf);
  modrm_reg(index(dst), src);
}

void Encoder::imul(Width width, Reg dst, Reg src, std::int32_t imm) {
  prefix(width, index(dst), index(src));
  if (fits8(imm)) {
    byte(0x6b);
    modrm_reg(index(dst), src);
    byte(static_cast<std::uint8_t>(static_cast<std::int8_t>(imm)));
  } else {
    byte(0x69);
    modrm_reg(index(dst), src);
    imm32(static_cast<std::uint32_t>(imm));
  }
}

void Encoder::shift(Shift op, Width width, Reg dst, std::uint8_t count) {
  prefix(width, 0, index(dst));
  byte(0xc1);
  modrm_reg(static_cast<unsigned>(op), dst);
  byte(count);
}

void Encoder::shift_cl(Shift op, Width width, Reg dst) {
  prefix(width, 0, index(dst));
  byte(0xd3);
  modrm_reg(static_cast<unsigned>(op), dst);
}

void Encoder::shiftx(Shift op, Width width, Reg dst, Reg src, Reg count) {
  // VEX.LZ.{66,F3,F2}.0F38.W{0,1} F7 /r: ModRM.reg = dst, ModRM.rm = src, VEX.vvvv = count.
  const unsigned pp = op == Shift::shl ? 1 : op == Shift::sar ? 2 : 3;
  byte(0xc4);
  byte(static_cast<std::uint8_t>(((index(dst) >> 3) ^ 1) << 7 | 1 << 6 |
                                 ((index(src) >> 3) ^ 1) << 5 | 0x02));
  byte(static_cast<std::uint8_t>((width == Width::b64 ? 0x80 : 0) | ((~index(count) & 15) << 3) |
                                 pp));
  byte(0xf7);
  modrm_reg(index(dst), src);
}

void Encoder::neg(Width width, Reg dst) {
  prefix(width, 0, index(dst));
  byte(0xf7);
  modrm_reg(3, dst);
}

void Encoder::div(Width width, Reg divisor) {
  prefix(width, 0, index(divisor));
  byte(0xf7);
  modrm_reg(6, divisor);
}

void Encoder::idiv(Width width, Reg divisor) {
  prefix(width, 0, index(divisor));
  byte(0xf7);
  modrm_reg(7, divisor);
}

void Encoder::cqo() {
  byte(0x48);
  byte(0x99);
}

void Encoder::cdq() { byte(0x99); }

void Encoder::movzx(Width to, Reg dst, Width from, Reg src) {
  prefix(to, index(dst), index(src), from == Width::b8 ? ByteOperand::rm : ByteOperand::none);
  byte(kTwoByte);
  byte(from == Width::b8 ? 0xb6 : 0xb7);
  modrm_reg(index(dst), src);
}

void Encoder::movsx(Width to, Reg dst, Width from, Reg src) {
  if (from == Width::b32) {
    rex(true, index(dst), index(src));
    byte(0x63);
  } else {
    prefix(to, index(dst), index(src), from == Width::b8 ? ByteOperand::rm : ByteOperand::none);
    byte(kTwoByte);
    byte(from == Width::b8 ? 0xbe : 0xbf);
  }
  modrm_reg(index(dst), src);
}

void Encoder::bswap(Width width, Reg reg) {
  rex(width == Width::b64, 0, index(reg));
  byte(kTwoByte);
  byte(static_cast<std::uint8_t>(0xc8 + (index(reg) & 7)));
}

void Encoder::load(Width width, Reg dst, Mem src) {
  switch (width) {
    case Width::b8:
    case Width::b16:
      rex(false, index(dst), index(src.base));
      byte(kTwoByte);
      byte(width == Width::b8 ? 0xb6 : 0xb7);
      break;
    case Width::b32:
    case Width::b64:
      rex(width == Width::b64, index(dst), index(src.base));
      byte(0x8b);
      break;
  }
  modrm_mem(index(dst), src);
}

void Encoder::load_sx(Width width, Reg dst, Mem src) {
  rex(true, index(dst), index(src.base));
  switch (width) {
    case Width::b8:
      byte(kTwoByte);
      byte(0xbe);
      break;
    case Width::b16:
      byte(kTwoByte);
      byte(0xbf);
      break;
    case Width::b32:
    case Width::b64: byte(0x63); break;
  }
  modrm_mem(index(dst), src);
}

void Encoder::store(Width width, Mem dst, Reg src) {
  prefix(width, index(src), index(dst.base),
         width == Width::b8 ? ByteOperand::reg : ByteOperand::none);
  byte(width == Width::b8 ? 0x88 : 0x89);
  modrm_mem(index(src), dst);
}

void Encoder::store_imm(Width width, Mem dst, std::int32_t imm) {
  prefix(width, 0, index(dst.base));
  byte(width == Width::b8 ? 0xc6 : 0xc7);
  modrm_mem(0, dst);
  if (width == Width::b8) {
    byte(static_cast<std::uint8_t>(imm));
  } else if (width == Width::b16) {
    imm16(static_cast<std::uint16_t>(imm));
  } else {
    imm32(static_cast<std::uint32_t>(imm));
  }
}

void Encoder::lea(Reg dst, Mem src) {
  rex(true, index(dst), index(src.base));
  byte(0x8d);
  modrm_mem(index(dst), src);
}

void Encoder::lea(Reg dst, Reg base, Reg index_reg) {
  const unsigned b = index(base);
  const unsigned x = index(index_reg);
  // rsp cannot be an index; base + index is symmetric, so it becomes the base.
  if (x == 4) {
    lea(dst, index_reg, base);
    return;
  }
  byte(static_cast<std::uint8_t>(0x48 | ((index(dst) >> 3) << 2) | ((x >> 3) << 1) | (b >> 3)));
  byte(0x8d);
  // mod 00 with a SIB byte (rm 100); rbp/r13 as the base have no displacement-free form.
  const unsigned mod = (b & 7) == 5 ? 1 : 0;
  byte(static_cast<std::uint8_t>((mod << 6) | ((index(dst) & 7) << 3) | 4));
  byte(static_cast<std::uint8_t>(((x & 7) << 3) | (b & 7)));
  if (mod == 1) byte(0);
}

void Encoder::lock_xadd(Width width, Mem dst, Reg src) {
  byte(kLock);
  xadd(width, dst, src);
}

void Encoder::xadd(Width width, Mem dst, Reg src) {
  prefix(width, index(src), index(dst.base));
  byte(kTwoByte);
  byte(0xc1);
  modrm_mem(index(src), dst);
}

void Encoder::lock_cmpxchg(Width width, Mem dst, Reg src) {
  byte(kLock);
  cmpxchg(width, dst, src);
}

void Encoder::cmpxchg(Width width, Mem dst, Reg src) {
  prefix(width, index(src), index(dst.base));
  byte(kTwoByte);
  byte(0xb1);
  modrm_mem(index(src), dst);
}

void Encoder::xchg(Width width, Mem dst, Reg src) {
  prefix(width, index(src), index(dst.base));
  byte(0x87);
  modrm_mem(index(src), dst);
}

void Encoder::push(Reg reg) {
  rex(false, 0, index(reg));
  byte(static_cast<std::uint8_t>(0x50 + (index(reg) & 7)));
}

void Encoder::pop(Reg reg) {
  rex(false, 0, index(reg));
  byte(static_cast<std::uint8_t>(0x58 + (index(reg) & 7)));
}

void Encoder::call(Reg target) {
  rex(false, 0, index(target));
  byte(0xff);
  modrm_reg(2, target);
}

void Encoder::jmp(Reg target) {
  rex(false, 0, index(target));
  byte(0xff);
  modrm_reg(4, target);
}

std::size_t Encoder::call_rel32(std::int32_t disp) {
  byte(0xe8);
  imm32(static_cast<std::uint32_t>(disp));
  return size() - 4;
}

std::size_t Encoder::jmp_rel32(std::int32_t disp) {
  byte(0xe9);
  imm32(static_cast<std::uint32_t>(disp));
  return size() - 4;
}

std::size_t Encoder::jcc_rel32(Cond cond, std::int32_t disp) {
  byte(kTwoByte);
  byte(static_cast<std::uint8_t>(0x80 | static_cast<unsigned>(cond)));
  imm32(static_cast<std::uint32_t>(disp));
  return size() - 4;
}

std::size_t Encoder::jmp_rel8(std::int8_t disp) {
  byte(0xeb);
  byte(static_cast<std::uint8_t>(disp));
  return size() - 1;
}

std::size_t Encoder::jcc_rel8(Cond cond, std::int8_t disp) {
  byte(static_cast<std::uint8_t>(0x70 | static_cast<unsigned>(cond)));
  byte(static_cast<std::uint8_t>(disp));
  return size() - 1;
}

void Encoder::ret() { byte(0xc3); }

void Encoder::int3() { byte(0xcc); }

void Encoder::nop(std::size_t count) {
  // Intel's recommended NOP sequences (SDM, NOP instruction), longest first.
  static const std::uint8_t kNops[9][9] = {
      {0x90},
      {0x66, 0x90},
      {0x0f, 0x1f, 0x00},
      {0x0f, 0x1f, 0x40, 0x00},
      {0x0f, 0x1f, 0x44, 0x00, 0x00},
      {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
      {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
      {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
      {0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
  };
  while (count > 0) {
    const std::size_t n = count < 9 ? count : 9;
    bytes_.insert(bytes_.end(), kNops[n - 1], kNops[n - 1] + n);
    count -= n;
  }
}

}  // namespace xbpf::jit::x86_64
