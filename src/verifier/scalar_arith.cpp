// Scalar arithmetic: each ALU operation on intervals and known bits (64 and 32 bits).
#include <algorithm>

#include "verifier/scalar.h"

namespace xbpf::verifier {
namespace {

using u64 = std::uint64_t;
using s64 = std::int64_t;
using u32 = std::uint32_t;
using s32 = std::int32_t;
constexpr u64 kSign64 = u64{1} << 63;

// Byte-swaps the low `width` bits (value and mask alike: a swap is a permutation of bits).
u64 swap_bytes(u64 value, unsigned width) {
  switch (width) {
    case 16: return __builtin_bswap16(static_cast<std::uint16_t>(value));
    case 32: return __builtin_bswap32(static_cast<u32>(value));
    default: return __builtin_bswap64(value);
  }
}

}  // namespace

namespace {

// Builds a result from bounds and bits, then normalizes.
struct Result64 {
  Tnum bits = Tnum::unknown();
  u64 umin = 0, umax = UINT64_MAX;
  s64 smin = INT64_MIN, smax = INT64_MAX;
};

}  // namespace

struct ScalarBuilder {
  static Scalar make(const Result64& r) {
    Scalar s;
    s.bits_ = r.bits;
    s.umin_ = r.umin;
    s.umax_ = r.umax;
    s.smin_ = r.smin;
    s.smax_ = r.smax;
    s.normalize();
    return s;
  }
};

namespace {

Scalar add(const Scalar& a, const Scalar& b) {
  Result64 r;
  r.bits = tnum_add(a.bits(), b.bits());
  u64 lo, hi;
  const bool lo_over = __builtin_add_overflow(a.umin(), b.umin(), &lo);
  const bool hi_over = __builtin_add_overflow(a.umax(), b.umax(), &hi);
  if (lo_over == hi_over) {  // both wrapped once or neither: still a range
    r.umin = lo;
    r.umax = hi;
  }
  s64 slo, shi;
  const bool slo_over = __builtin_add_overflow(a.smin(), b.smin(), &slo);
  const bool shi_over = __builtin_add_overflow(a.smax(), b.smax(), &shi);
  if (!slo_over && !shi_over) {
    r.smin = slo;
    r.smax = shi;
  }
  return ScalarBuilder::make(r);
}

Scalar sub(const Scalar& a, const Scalar& b) {
  Result64 r;
  r.bits = tnum_sub(a.bits(), b.bits());
  u64 lo, hi;
  const bool lo_under = __builtin_sub_overflow(a.umin(), b.umax(), &lo);
  const bool hi_under = __builtin_sub_overflow(a.umax(), b.umin(), &hi);
  if (lo_under == hi_under) {
    r.umin = lo;
    r.umax = hi;
  }
  s64 slo, shi;
  const bool slo_over = __builtin_sub_overflow(a.smin(), b.smax(), &slo);
  const bool shi_over = __builtin_sub_overflow(a.smax(), b.smin(), &shi);
  if (!slo_over && !shi_over) {
    r.smin = slo;
    r.smax = shi;
  }
  return ScalarBuilder::make(r);
}

Scalar mul(const Scalar& a, const Scalar& b) {
  Result64 r;
  r.bits = tnum_mul(a.bits(), b.bits());
  u64 hi;
  if (!__builtin_mul_overflow(a.umax(), b.umax(), &hi)) {
    r.umin = a.umin() * b.umin();
    r.umax = hi;
  }
  s64 corners[4];
  bool over = __builtin_mul_overflow(a.smin(), b.smin(), &corners[0]);
  over |= __builtin_mul_overflow(a.smin(), b.smax(), &corners[1]);
  over |= __builtin_mul_overflow(a.smax(), b.smin(), &corners[2]);
  over |= __builtin_mul_overflow(a.smax(), b.smax(), &corners[3]);
  if (!over) {
    r.smin = *std::min_element(corners, corners + 4);
    r.smax = *std::max_element(corners, corners + 4);
  }
  return ScalarBuilder::make(r);
}

Scalar udiv(const Scalar& a, const Scalar& b) {
  if (b.umax() == 0) return Scalar::constant(0);  // division by zero gives 0
  Result64 r;
  if (b.umin() > 0) {
    r.umin = a.umin() / b.umax();
    r.umax = a.umax() / b.umin();
  } else {
    r.umin = 0;
    r.umax = a.umax();
  }
  return ScalarBuilder::make(r);
}

Scalar umod(const Scalar& a, const Scalar& b) {
  if (b.umax() == 0) return a;                        // modulo by zero leaves the dividend
  if (b.umin() > 0 && a.umax() < b.umin()) return a;  // already smaller than every divisor
  Result64 r;
  r.umin = 0;
  r.umax = std::min(a.umax(), b.umax() - 1);
  Scalar result = ScalarBuilder::make(r);
  return b.umin() == 0 ? result.join(a) : result;
}

s64 trunc_div(s64 n, s64 d) {
  return (d == -1) ? static_cast<s64>(0 - static_cast<u64>(n)) : n / d;
}

Scalar sdiv(const Scalar& a, const Scalar& b) {
  Scalar result = Scalar::bottom();
  if (b.contains(0)) result = Scalar::constant(0);
  // The divisor's negative and positive parts: the quotient's extremes are at the corners.
  const s64 parts[2][2] = {{b.smin(), std::min<s64>(b.smax(), -1)},
                           {std::max<s64>(b.smin(), 1), b.smax()}};
  for (const auto& part : parts) {
    if (part[0] > part[1]) continue;
    s64 lo = INT64_MAX, hi = INT64_MIN;
    for (s64 n : {a.smin(), a.smax()}) {
      for (s64 d : {part[0], part[1]}) {
        const s64 q = trunc_div(n, d);
        lo = std::min(lo, q);
        hi = std::max(hi, q);
      }
    }
    // INT64_MIN / -1 wraps to INT64_MIN: the corners already include it when -1 is a corner;
    // when -1 is inside the part, include it explicitly.
    if (part[0] < -1 && part[1] > -1 && a.contains(kSign64)) lo = INT64_MIN;
    if (part[0] <= -1 && -1 <= part[1] && a.smin() < 0) {
      // n / -1 = -n: for the most negative n that is the largest (or INT64_MIN on wrap).
      const s64 q = trunc_div(a.smin(), -1);
      lo = std::min(lo, q);
      hi = std::max(hi, q);
      if (a.smin() == INT64_MIN) hi = std::max(hi, INT64_MAX);  // -(INT64_MIN + 1)
    }
    result = result.join(Scalar::signed_range(lo, hi));
  }
  return result.is_bottom() ? Scalar::top() : result;
}

Scalar smod(const Scalar& a, const Scalar& b) {
  const auto x = a.as_constant(), y = b.as_constant();
  if (x && y) {
    // Exactly as the ISA: modulo 0 leaves the dividend, modulo -1 is 0.
    const auto n = static_cast<s64>(*x), d = static_cast<s64>(*y);
    if (d == 0) return a;
    if (d == -1) return Scalar::constant(0);
    return Scalar::constant(static_cast<u64>(n % d));
  }
  // Every |a| below every |d| (d never 0): a is its own remainder.
  if (b.smin() > 0 || b.smax() < 0) {
    const u64 smallest = b.smin() > 0 ? static_cast<u64>(b.smin()) : 0 - static_cast<u64>(b.smax());
    const u64 low = a.smin() < 0 ? 0 - static_cast<u64>(a.smin()) : static_cast<u64>(a.smin());
    const u64 high = a.smax() < 0 ? 0 - static_cast<u64>(a.smax()) : static_cast<u64>(a.smax());
    if (low < smallest && high < smallest) return a;
  }
  Scalar result = Scalar::bottom();
  if (b.contains(0)) result = a;
  // |a % d| < |d| and takes a's sign (truncated division), or is 0.
  u64 largest = 0;
  for (s64 d : {b.smin(), b.smax()}) {
    const u64 magnitude = d < 0 ? 0 - static_cast<u64>(d) : static_cast<u64>(d);
    largest = std::max(largest, magnitude);
  }
  if (largest > 1 || (largest == 1 && !(b.smin() == 0 && b.smax() == 0))) {
    const s64 limit =
        largest - 1 > static_cast<u64>(INT64_MAX) ? INT64_MAX : static_cast<s64>(largest - 1);
    const s64 lo = a.smin() < 0 ? std::max(a.smin(), -limit) : 0;
    const s64 hi = a.smax() > 0 ? std::min(a.smax(), limit) : 0;
    result = result.join(Scalar::signed_range(lo, hi));
  } else if (largest == 1) {
    result = result.join(Scalar::constant(0));
  }
  return result.is_bottom() ? Scalar::top() : result;
}

Scalar bit_and(const Scalar& a, const Scalar& b) {
  Result64 r;
  r.bits = tnum_and(a.bits(), b.bits());
  r.umax = std::min(a.umax(), b.umax());
  if (a.smin() >= 0 || b.smin() >= 0) {
    r.smin = 0;
    r.smax = static_cast<s64>(r.umax <= static_cast<u64>(INT64_MAX) ? r.umax
                                                                    : static_cast<u64>(INT64_MAX));
    if (a.smin() >= 0) r.smax = std::min(r.smax, a.smax());
    if (b.smin() >= 0) r.smax = std::min(r.smax, b.smax());
  }
  return ScalarBuilder::make(r);
}

Scalar bit_or(const Scalar& a, const Scalar& b) {
  Result64 r;
  r.bits = tnum_or(a.bits(), b.bits());
  r.umin = std::max(a.umin(), b.umin());
  if (a.smin() >= 0 && b.smin() >= 0) r.smin = std::max(a.smin(), b.smin());
  return ScalarBuilder::make(r);
}

Scalar bit_xor(const Scalar& a, const Scalar& b) {
  Result64 r;
  r.bits = tnum_xor(a.bits(), b.bits());
  if (a.smin() >= 0 && b.smin() >= 0) r.smin = 0;
  return ScalarBuilder::make(r);
}

// The possible shift amounts: `amount & (width - 1)`.
struct ShiftRange {
  unsigned lo, hi;
};
ShiftRange shift_range(const Scalar& amount, unsigned width) {
  if (auto c = amount.as_constant()) {
    const auto k = static_cast<unsigned>(*c & (width - 1));
    return {k, k};
  }
  if (amount.umax() < width)
    return {static_cast<unsigned>(amount.umin()), static_cast<unsigned>(amount.umax())};
  return {0, width - 1};
}

enum class Shift { left, right, arithmetic };

// A 64-bit shift by an amount in `range` (the caller has masked it).
Scalar shift64(Shift kind, const Scalar& a, ShiftRange range) {
  Tnum bits = Tnum{0, 0};
  bool first = true;
  for (unsigned k = range.lo; k <= range.hi; ++k) {
    const Tnum t = kind == Shift::left    ? tnum_lshift(a.bits(), k)
                   : kind == Shift::right ? tnum_rshift(a.bits(), k)
                                          : tnum_arshift(a.bits(), k, 64);
    bits = first ? t : tnum_union(bits, t);
    first = false;
  }
  Result64 r;
  r.bits = bits;
  switch (kind) {
    case Shift::left:
      if (a.umax() <= (UINT64_MAX >> range.hi)) {
        r.umin = a.umin() << range.lo;
        r.umax = a.umax() << range.hi;
      }
      break;
    case Shift::right:
      r.umin = a.umin() >> range.hi;
      r.umax = a.umax() >> range.lo;
      break;
    case Shift::arithmetic:
      r.smin = std::min(a.smin() >> range.lo, a.smin() >> range.hi);
      r.smax = std::max(a.smax() >> range.lo, a.smax() >> range.hi);
      break;
  }
  return ScalarBuilder::make(r);
}

}  // namespace

Scalar alu64(isa::Sem sem, const Scalar& dst, const Scalar& src) {
  if (dst.is_bottom() || src.is_bottom()) return Scalar::bottom();
  switch (sem) {
    case isa::Sem::add: return add(dst, src);
    case isa::Sem::sub: return sub(dst, src);
    case isa::Sem::mul: return mul(dst, src);
    case isa::Sem::div: return udiv(dst, src);
    case isa::Sem::sdiv: return sdiv(dst, src);
    case isa::Sem::mod: return umod(dst, src);
    case isa::Sem::smod: return smod(dst, src);
    case isa::Sem::or_: return bit_or(dst, src);
    case isa::Sem::and_: return bit_and(dst, src);
    case isa::Sem::xor_: return bit_xor(dst, src);
    case isa::Sem::lsh: return shift64(Shift::left, dst, shift_range(src, 64));
    case isa::Sem::rsh: return shift64(Shift::right, dst, shift_range(src, 64));
    case isa::Sem::arsh: return shift64(Shift::arithmetic, dst, shift_range(src, 64));
    case isa::Sem::neg: return sub(Scalar::constant(0), dst);
    case isa::Sem::mov: return src;
    case isa::Sem::movsx8: return src.sign_extended(1);
    case isa::Sem::movsx16: return src.sign_extended(2);
    case isa::Sem::movsx32: return src.sign_extended(4);
    default: return Scalar::top();
  }
}

Scalar alu32(isa::Sem sem, const Scalar& dst, const Scalar& src) {
  if (dst.is_bottom() || src.is_bottom()) return Scalar::bottom();
  const Scalar a = dst.low32(), b = src.low32();
  Scalar r;
  switch (sem) {
    case isa::Sem::add:
    case isa::Sem::sub:
    case isa::Sem::mul:
    case isa::Sem::div:
    case isa::Sem::mod:
    case isa::Sem::or_:
    case isa::Sem::and_:
    case isa::Sem::xor_: r = alu64(sem, a, b); break;
    case isa::Sem::sdiv:
    case isa::Sem::smod: r = alu64(sem, dst.sign_extended32(), src.sign_extended32()); break;
    case isa::Sem::lsh: r = shift64(Shift::left, a, shift_range(src, 32)); break;
    case isa::Sem::rsh: r = shift64(Shift::right, a, shift_range(src, 32)); break;
    case isa::Sem::arsh:
      r = shift64(Shift::arithmetic, dst.sign_extended32(), shift_range(src, 32));
      break;
    case isa::Sem::neg: r = sub(Scalar::constant(0), a); break;
    case isa::Sem::mov: return b;
    case isa::Sem::movsx8: return src.sign_extended(1).truncated(4);
    case isa::Sem::movsx16: return src.sign_extended(2).truncated(4);
    default: return Scalar::of_width(4);
  }
  return r.truncated(4);
}

Scalar byte_swap(isa::Sem sem, unsigned width, const Scalar& value) {
  if (value.is_bottom()) return value;
  const Scalar low = value.truncated(width / 8);
  if (sem == isa::Sem::le) return low;  // little-endian host: a truncation
  const Tnum t = low.bits();
  Scalar s = Scalar::of_width(width / 8);
  s.restrict_bits(Tnum{swap_bytes(t.value, width), swap_bytes(t.mask, width)});
  return s;
}

}  // namespace xbpf::verifier
