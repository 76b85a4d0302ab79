// The RFC 9669 semantics of arithmetic, comparison and byte-swap operations, one function per
// (width, operation). The interpreter's handlers are generated from the opcode table and call
// these by name; the JIT's tests compare against them.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace xbpf::vm::sem {

static_assert(std::endian::native == std::endian::little, "xbpf runs on little-endian hosts");

using u64 = std::uint64_t;
using u32 = std::uint32_t;
using s64 = std::int64_t;
using s32 = std::int32_t;

// 64-bit ALU.
inline u64 alu64_add(u64 a, u64 b) { return a + b; }
inline u64 alu64_sub(u64 a, u64 b) { return a - b; }
inline u64 alu64_mul(u64 a, u64 b) { return a * b; }
inline u64 alu64_div(u64 a, u64 b) { return b ? a / b : 0; }
inline u64 alu64_sdiv(u64 a, u64 b) {
  if (b == 0) return 0;
  if (static_cast<s64>(b) == -1) return 0 - a;  // INT64_MIN / -1 wraps to INT64_MIN
  return static_cast<u64>(static_cast<s64>(a) / static_cast<s64>(b));
}
inline u64 alu64_or_(u64 a, u64 b) { return a | b; }
inline u64 alu64_and_(u64 a, u64 b) { return a & b; }
inline u64 alu64_lsh(u64 a, u64 b) { return a << (b & 63); }
inline u64 alu64_rsh(u64 a, u64 b) { return a >> (b & 63); }
inline u64 alu64_neg(u64 a, u64) { return 0 - a; }
inline u64 alu64_mod(u64 a, u64 b) { return b ? a % b : a; }
inline u64 alu64_smod(u64 a, u64 b) {
  if (b == 0) return a;
  if (static_cast<s64>(b) == -1) return 0;
  return static_cast<u64>(static_cast<s64>(a) % static_cast<s64>(b));
}
inline u64 alu64_xor_(u64 a, u64 b) { return a ^ b; }
inline u64 alu64_mov(u64, u64 b) { return b; }
inline u64 alu64_arsh(u64 a, u64 b) { return static_cast<u64>(static_cast<s64>(a) >> (b & 63)); }
inline u64 alu64_movsx8(u64, u64 b) {
  return static_cast<u64>(static_cast<s64>(static_cast<std::int8_t>(b)));
}
inline u64 alu64_movsx16(u64, u64 b) {
  return static_cast<u64>(static_cast<s64>(static_cast<std::int16_t>(b)));
}
inline u64 alu64_movsx32(u64, u64 b) {
  return static_cast<u64>(static_cast<s64>(static_cast<s32>(b)));
}

// 32-bit ALU: operands are the low halves; the result is zero-extended.
inline u64 alu32_add(u64 a, u64 b) {
  return static_cast<u32>(static_cast<u32>(a) + static_cast<u32>(b));
}
inline u64 alu32_sub(u64 a, u64 b) {
  return static_cast<u32>(static_cast<u32>(a) - static_cast<u32>(b));
}
inline u64 alu32_mul(u64 a, u64 b) {
  return static_cast<u32>(static_cast<u32>(a) * static_cast<u32>(b));
}
inline u64 alu32_div(u64 a, u64 b) {
  const u32 d = static_cast<u32>(b);
  return d ? static_cast<u32>(a) / d : 0;
}
inline u64 alu32_sdiv(u64 a, u64 b) {
  const s32 n = static_cast<s32>(a), d = static_cast<s32>(b);
  if (d == 0) return 0;
  if (d == -1) return static_cast<u32>(0U - static_cast<u32>(n));
  return static_cast<u32>(n / d);
}
inline u64 alu32_or_(u64 a, u64 b) { return static_cast<u32>(a | b); }
inline u64 alu32_and_(u64 a, u64 b) { return static_cast<u32>(a & b); }
inline u64 alu32_lsh(u64 a, u64 b) { return static_cast<u32>(static_cast<u32>(a) << (b & 31)); }
inline u64 alu32_rsh(u64 a, u64 b) { return static_cast<u32>(a) >> (b & 31); }
inline u64 alu32_neg(u64 a, u64) { return static_cast<u32>(0U - static_cast<u32>(a)); }
inline u64 alu32_mod(u64 a, u64 b) {
  const u32 d = static_cast<u32>(b);
  return d ? static_cast<u32>(a) % d : static_cast<u32>(a);
}
inline u64 alu32_smod(u64 a, u64 b) {
  const s32 n = static_cast<s32>(a), d = static_cast<s32>(b);
  if (d == 0) return static_cast<u32>(n);
  if (d == -1) return 0;
  return static_cast<u32>(n % d);
}
inline u64 alu32_xor_(u64 a, u64 b) { return static_cast<u32>(a ^ b); }
inline u64 alu32_mov(u64, u64 b) { return static_cast<u32>(b); }
inline u64 alu32_arsh(u64 a, u64 b) { return static_cast<u32>(static_cast<s32>(a) >> (b & 31)); }
inline u64 alu32_movsx8(u64, u64 b) {
  return static_cast<u32>(static_cast<s32>(static_cast<std::int8_t>(b)));
}
inline u64 alu32_movsx16(u64, u64 b) {
  return static_cast<u32>(static_cast<s32>(static_cast<std::int16_t>(b)));
}

// Byte swaps (END). The host is little-endian: le is a truncation, be and bswap swap.
inline u64 swap_le16(u64 a) { return static_cast<std::uint16_t>(a); }
inline u64 swap_le32(u64 a) { return static_cast<u32>(a); }
inline u64 swap_le64(u64 a) { return a; }
inline u64 swap_be16(u64 a) { return __builtin_bswap16(static_cast<std::uint16_t>(a)); }
inline u64 swap_be32(u64 a) { return __builtin_bswap32(static_cast<u32>(a)); }
inline u64 swap_be64(u64 a) { return __builtin_bswap64(a); }
inline u64 swap_bswap16(u64 a) { return swap_be16(a); }
inline u64 swap_bswap32(u64 a) { return swap_be32(a); }
inline u64 swap_bswap64(u64 a) { return swap_be64(a); }

// Conditions.
inline bool cond64_jeq(u64 a, u64 b) { return a == b; }
inline bool cond64_jgt(u64 a, u64 b) { return a > b; }
inline bool cond64_jge(u64 a, u64 b) { return a >= b; }
inline bool cond64_jset(u64 a, u64 b) { return (a & b) != 0; }
inline bool cond64_jne(u64 a, u64 b) { return a != b; }
inline bool cond64_jsgt(u64 a, u64 b) { return static_cast<s64>(a) > static_cast<s64>(b); }
inline bool cond64_jsge(u64 a, u64 b) { return static_cast<s64>(a) >= static_cast<s64>(b); }
inline bool cond64_jlt(u64 a, u64 b) { return a < b; }
inline bool cond64_jle(u64 a, u64 b) { return a <= b; }
inline bool cond64_jslt(u64 a, u64 b) { return static_cast<s64>(a) < static_cast<s64>(b); }
inline bool cond64_jsle(u64 a, u64 b) { return static_cast<s64>(a) <= static_cast<s64>(b); }
inline bool cond32_jeq(u64 a, u64 b) { return static_cast<u32>(a) == static_cast<u32>(b); }
inline bool cond32_jgt(u64 a, u64 b) { return static_cast<u32>(a) > static_cast<u32>(b); }
inline bool cond32_jge(u64 a, u64 b) { return static_cast<u32>(a) >= static_cast<u32>(b); }
inline bool cond32_jset(u64 a, u64 b) { return (static_cast<u32>(a) & static_cast<u32>(b)) != 0; }
inline bool cond32_jne(u64 a, u64 b) { return static_cast<u32>(a) != static_cast<u32>(b); }
inline bool cond32_jsgt(u64 a, u64 b) { return static_cast<s32>(a) > static_cast<s32>(b); }
inline bool cond32_jsge(u64 a, u64 b) { return static_cast<s32>(a) >= static_cast<s32>(b); }
inline bool cond32_jlt(u64 a, u64 b) { return static_cast<u32>(a) < static_cast<u32>(b); }
inline bool cond32_jle(u64 a, u64 b) { return static_cast<u32>(a) <= static_cast<u32>(b); }
inline bool cond32_jslt(u64 a, u64 b) { return static_cast<s32>(a) < static_cast<s32>(b); }
inline bool cond32_jsle(u64 a, u64 b) { return static_cast<s32>(a) <= static_cast<s32>(b); }

// Unaligned little-endian memory access (eBPF allows unaligned loads and stores on x86).
template <class T>
inline T load(std::uint64_t address) {
  T value;
  std::memcpy(&value, reinterpret_cast<const void*>(address), sizeof value);
  return value;
}
template <class T>
inline void store(std::uint64_t address, T value) {
  std::memcpy(reinterpret_cast<void*>(address), &value, sizeof value);
}

}  // namespace xbpf::vm::sem
