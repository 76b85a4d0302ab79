#include "verifier/scalar.h"

#include <algorithm>
#include <cstdio>

namespace xbpf::verifier {
namespace {

using u64 = std::uint64_t;
using s64 = std::int64_t;
using u32 = std::uint32_t;
using s32 = std::int32_t;
constexpr u64 kSign64 = u64{1} << 63;
constexpr u64 kLow32 = 0xffffffffULL;

// Byte-swaps the low `width` bits (value and mask alike: a swap is a permutation of bits).
u64 swap_bytes(u64 value, unsigned width) {
  switch (width) {
    case 16: return __builtin_bswap16(static_cast<std::uint16_t>(value));
    case 32: return __builtin_bswap32(static_cast<u32>(value));
    default: return __builtin_bswap64(value);
  }
}

}  // namespace

Scalar Scalar::top() { return Scalar(); }

Scalar Scalar::constant(u64 value) {
  Scalar s;
  s.bits_ = Tnum::constant(value);
  s.normalize();
  return s;
}

Scalar Scalar::unsigned_range(u64 min, u64 max) {
  Scalar s;
  s.restrict_unsigned(min, max);
  return s;
}

Scalar Scalar::signed_range(s64 min, s64 max) {
  Scalar s;
  s.restrict_signed(min, max);
  return s;
}

Scalar Scalar::of_width(unsigned bytes) {
  return bytes >= 8 ? top() : unsigned_range(0, (u64{1} << (8 * bytes)) - 1);
}

Scalar Scalar::bottom() {
  Scalar s;
  s.bottom_ = true;
  return s;
}

bool Scalar::is_top() const { return !bottom_ && *this == top(); }

std::optional<u64> Scalar::as_constant() const {
  if (bottom_ || !bits_.is_constant()) return std::nullopt;
  return bits_.value;
}

bool Scalar::contains(u64 v) const {
  if (bottom_) return false;
  const auto sv = static_cast<s64>(v);
  const auto v32 = static_cast<u32>(v);
  const auto sv32 = static_cast<s32>(v32);
  return bits_.contains(v) && v >= umin_ && v <= umax_ && sv >= smin_ && sv <= smax_ &&
         v32 >= u32min_ && v32 <= u32max_ && sv32 >= s32min_ && sv32 <= s32max_;
}

bool Scalar::includes(const Scalar& o) const {
  if (o.bottom_) return true;
  if (bottom_) return false;
  return tnum_in(bits_, o.bits_) && umin_ <= o.umin_ && umax_ >= o.umax_ && smin_ <= o.smin_ &&
         smax_ >= o.smax_ && u32min_ <= o.u32min_ && u32max_ >= o.u32max_ && s32min_ <= o.s32min_ &&
         s32max_ >= o.s32max_;
}

bool Scalar::operator==(const Scalar& o) const {
  if (bottom_ || o.bottom_) return bottom_ == o.bottom_;
  return bits_ == o.bits_ && umin_ == o.umin_ && umax_ == o.umax_ && smin_ == o.smin_ &&
         smax_ == o.smax_ && u32min_ == o.u32min_ && u32max_ == o.u32max_ && s32min_ == o.s32min_ &&
         s32max_ == o.s32max_;
}

void Scalar::restrict_unsigned(u64 min, u64 max) {
  umin_ = std::max(umin_, min);
  umax_ = std::min(umax_, max);
  normalize();
}

void Scalar::restrict_signed(s64 min, s64 max) {
  smin_ = std::max(smin_, min);
  smax_ = std::min(smax_, max);
  normalize();
}

void Scalar::restrict_unsigned32(u32 min, u32 max) {
  u32min_ = std::max(u32min_, min);
  u32max_ = std::min(u32max_, max);
  normalize();
}

void Scalar::restrict_signed32(s32 min, s32 max) {
  s32min_ = std::max(s32min_, min);
  s32max_ = std::min(s32max_, max);
  normalize();
}

void Scalar::restrict_bits(Tnum bits) {
  // Known bits that disagree: no value has both.
  if (((bits_.value ^ bits.value) & ~bits_.mask & ~bits.mask) != 0) {
    bottom_ = true;
    return;
  }
  bits_ = tnum_intersect(bits_, bits);
  normalize();
}

void Scalar::normalize() {
  if (bottom_) return;
  for (int round = 0; round < 3; ++round) {
    // Bounds from the known bits.
    umin_ = std::max(umin_, bits_.value);
    umax_ = std::min(umax_, bits_.value | bits_.mask);
    smin_ = std::max(smin_, static_cast<s64>(bits_.value | (bits_.mask & kSign64)));
    smax_ = std::min(smax_, static_cast<s64>(bits_.value | (bits_.mask & ~kSign64)));
    const Tnum low = tnum_subreg(bits_);
    u32min_ = std::max(u32min_, static_cast<u32>(low.value));
    u32max_ = std::min(u32max_, static_cast<u32>(low.value | low.mask));
    s32min_ =
        std::max(s32min_, static_cast<s32>(static_cast<u32>(low.value | (low.mask & 0x80000000U))));
    s32max_ =
        std::min(s32max_, static_cast<s32>(static_cast<u32>(low.value | (low.mask & 0x7fffffffU))));

    // Signed and unsigned views agree where the range does not cross the sign boundary.
    if (smin_ >= 0 || smax_ < 0) {
      umin_ = std::max(umin_, static_cast<u64>(smin_));
      umax_ = std::min(umax_, static_cast<u64>(smax_));
    }
    if (umax_ <= static_cast<u64>(INT64_MAX) || umin_ >= kSign64) {
      smin_ = std::max(smin_, static_cast<s64>(umin_));
      smax_ = std::min(smax_, static_cast<s64>(umax_));
    }
    if (s32min_ >= 0 || s32max_ < 0) {
      u32min_ = std::max(u32min_, static_cast<u32>(s32min_));
      u32max_ = std::min(u32max_, static_cast<u32>(s32max_));
    }
    if (u32max_ <= static_cast<u32>(INT32_MAX) || u32min_ >= 0x80000000U) {
      s32min_ = std::max(s32min_, static_cast<s32>(u32min_));
      s32max_ = std::min(s32max_, static_cast<s32>(u32max_));
    }

    // A range crossing the sign boundary in one view is two ranges in the other: drop the
    // one the other view excludes. Signed [smin, -1] is unsigned [2^64 + smin, 2^64 - 1],
    // signed [0, smax] unsigned [0, smax]; unsigned [umin, 2^63 - 1] is signed positive,
    // [2^63, umax] signed negative.
    if (smin_ < 0 && smax_ >= 0) {
      const bool no_negative = umax_ < static_cast<u64>(smin_);
      if (umin_ > static_cast<u64>(smax_)) smax_ = -1;
      if (no_negative) smin_ = 0;
    }
    if (umin_ <= static_cast<u64>(INT64_MAX) && umax_ > static_cast<u64>(INT64_MAX)) {
      const bool no_negative = smin_ > static_cast<s64>(umax_);
      if (smax_ < static_cast<s64>(umin_)) umin_ = kSign64;
      if (no_negative) umax_ = static_cast<u64>(INT64_MAX);
    }
    if (s32min_ < 0 && s32max_ >= 0) {
      const bool no_negative = u32max_ < static_cast<u32>(s32min_);
      if (u32min_ > static_cast<u32>(s32max_)) s32max_ = -1;
      if (no_negative) s32min_ = 0;
    }
    if (u32min_ <= static_cast<u32>(INT32_MAX) && u32max_ > static_cast<u32>(INT32_MAX)) {
      const bool no_negative = s32min_ > static_cast<s32>(u32max_);
      if (s32max_ < static_cast<s32>(u32min_)) u32min_ = 0x80000000U;
      if (no_negative) u32max_ = static_cast<u32>(INT32_MAX);
    }

    // The 64-bit range within one 2^32 block bounds the low 32 bits, and the other way round.
    if ((umin_ >> 32) == (umax_ >> 32)) {
      u32min_ = std::max(u32min_, static_cast<u32>(umin_));
      u32max_ = std::min(u32max_, static_cast<u32>(umax_));
      if (u32min_ <= u32max_) {
        const u64 high = umin_ & ~kLow32;
        umin_ = std::max(umin_, high | u32min_);
        umax_ = std::min(umax_, high | u32max_);
      }
    }
    if ((smin_ >> 32) == (smax_ >> 32)) {
      const auto low_min = static_cast<u32>(smin_), low_max = static_cast<u32>(smax_);
      u32min_ = std::max(u32min_, low_min);
      u32max_ = std::min(u32max_, low_max);
      if (u32min_ <= u32max_) {
        const s64 high = static_cast<s64>(static_cast<u64>(smin_) & ~kLow32);
        smin_ = std::max(smin_, static_cast<s64>(static_cast<u64>(high) | u32min_));
        smax_ = std::min(smax_, static_cast<s64>(static_cast<u64>(high) | u32max_));
      }
    }

    if (umin_ > umax_ || smin_ > smax_ || u32min_ > u32max_ || s32min_ > s32max_) {
      bottom_ = true;
      return;
    }
    // Known bits from the bounds.
    const Tnum from_range = Tnum::range(umin_, umax_);
    if (((bits_.value ^ from_range.value) & ~bits_.mask & ~from_range.mask) != 0) {
      bottom_ = true;
      return;
    }
    bits_ = tnum_intersect(bits_, from_range);
    const Tnum low_range = Tnum::range(u32min_, u32max_);
    const Tnum sub = tnum_subreg(bits_);
    if (((sub.value ^ low_range.value) & ~sub.mask & ~low_range.mask) != 0) {
      bottom_ = true;
      return;
    }
    bits_ = tnum_with_subreg(bits_, tnum_intersect(sub, low_range));
  }
  if (umin_ > umax_ || smin_ > smax_ || u32min_ > u32max_ || s32min_ > s32max_) bottom_ = true;
}

Scalar Scalar::low32() const {
  if (bottom_) return *this;
  Scalar s;
  s.bits_ = tnum_subreg(bits_);
  s.umin_ = u32min_;
  s.umax_ = u32max_;
  s.normalize();
  return s;
}

Scalar Scalar::sign_extended32() const {
  if (bottom_) return *this;
  Scalar s;
  s.smin_ = s32min_;
  s.smax_ = s32max_;
  const Tnum low = tnum_subreg(bits_);
  if ((low.mask & 0x80000000U) == 0) {
    // The sign bit is known: copy it into the upper half.
    const u64 high = (low.value & 0x80000000U) != 0 ? ~kLow32 : 0;
    s.bits_ = Tnum{low.value | high, low.mask};
  } else {
    s.bits_ = Tnum{low.value, low.mask | ~kLow32};
  }
  s.normalize();
  return s;
}

Scalar Scalar::truncated(unsigned bytes) const {
  if (bottom_ || bytes >= 8) return *this;
  const u64 keep = (u64{1} << (8 * bytes)) - 1;
  Scalar s;
  s.bits_ = tnum_cast(bits_, bytes);
  if ((umin_ & ~keep) == (umax_ & ~keep)) {  // one block: the low parts are a range
    s.umin_ = umin_ & keep;
    s.umax_ = umax_ & keep;
  } else {
    s.umax_ = keep;
  }
  s.normalize();
  return s;
}

Scalar Scalar::sign_extended(unsigned bytes) const {
  if (bottom_ || bytes >= 8) return *this;
  if (bytes == 4) return sign_extended32();
  const unsigned bits = 8 * bytes;
  const u64 keep = (u64{1} << bits) - 1;
  const u64 sign = u64{1} << (bits - 1);
  const Scalar low = truncated(bytes);
  Scalar s;
  const Tnum t = low.bits_;
  if ((t.mask & sign) == 0) {
    s.bits_ = Tnum{(t.value & sign) != 0 ? t.value | ~keep : t.value, t.mask};
  } else {
    s.bits_ = Tnum{t.value, t.mask | ~keep};
  }
  // A range of the low bits that stays on one side of the sign maps to a range.
  if (low.umax_ < sign) {
    s.smin_ = static_cast<s64>(low.umin_);
    s.smax_ = static_cast<s64>(low.umax_);
  } else if (low.umin_ >= sign) {
    s.smin_ = static_cast<s64>(low.umin_ | ~keep);
    s.smax_ = static_cast<s64>(low.umax_ | ~keep);
  } else {
    s.smin_ = -static_cast<s64>(sign);
    s.smax_ = static_cast<s64>(sign - 1);
  }
  s.normalize();
  return s;
}

Scalar Scalar::join(const Scalar& o) const {
  if (bottom_) return o;
  if (o.bottom_) return *this;
  Scalar s;
  s.bits_ = tnum_union(bits_, o.bits_);
  s.umin_ = std::min(umin_, o.umin_);
  s.umax_ = std::max(umax_, o.umax_);
  s.smin_ = std::min(smin_, o.smin_);
  s.smax_ = std::max(smax_, o.smax_);
  s.u32min_ = std::min(u32min_, o.u32min_);
  s.u32max_ = std::max(u32max_, o.u32max_);
  s.s32min_ = std::min(s32min_, o.s32min_);
  s.s32max_ = std::max(s32max_, o.s32max_);
  s.normalize();
  return s;
}

Scalar Scalar::meet(const Scalar& o) const {
  if (bottom_ || o.bottom_) return bottom();
  Scalar s = *this;
  s.umin_ = std::max(umin_, o.umin_);
  s.umax_ = std::min(umax_, o.umax_);
  s.smin_ = std::max(smin_, o.smin_);
  s.smax_ = std::min(smax_, o.smax_);
  s.u32min_ = std::max(u32min_, o.u32min_);
  s.u32max_ = std::min(u32max_, o.u32max_);
  s.s32min_ = std::max(s32min_, o.s32min_);
  s.s32max_ = std::min(s32max_, o.s32max_);
  s.restrict_bits(o.bits_);
  return s;
}

Scalar Scalar::widen(const Scalar& next, std::span<const s64> thresholds) const {
  if (bottom_) return next;
  if (next.bottom_) return *this;
  Scalar s = join(next);
  // A bound that moved goes to the next threshold beyond it, or to the extreme.
  if (next.umax_ > umax_) {
    u64 bound = UINT64_MAX;
    for (s64 t : thresholds) {
      if (static_cast<u64>(t) >= s.umax_) bound = std::min(bound, static_cast<u64>(t));
    }
    s.umax_ = bound;
  }
  if (next.umin_ < umin_) {
    u64 bound = 0;
    for (s64 t : thresholds) {
      if (static_cast<u64>(t) <= s.umin_) bound = std::max(bound, static_cast<u64>(t));
    }
    s.umin_ = bound;
  }
  if (next.smax_ > smax_) {
    s64 bound = INT64_MAX;
    for (s64 t : thresholds) {
      if (t >= s.smax_) bound = std::min(bound, t);
    }
    s.smax_ = bound;
  }
  if (next.smin_ < smin_) {
    s64 bound = INT64_MIN;
    for (s64 t : thresholds) {
      if (t <= s.smin_) bound = std::max(bound, t);
    }
    s.smin_ = bound;
  }
  if (next.u32max_ > u32max_) s.u32max_ = UINT32_MAX;
  if (next.u32min_ < u32min_) s.u32min_ = 0;
  if (next.s32max_ > s32max_) s.s32max_ = INT32_MAX;
  if (next.s32min_ < s32min_) s.s32min_ = INT32_MIN;
  // The widened bounds must not be tightened back by stale known bits.
  s.bits_ = tnum_union(s.bits_, Tnum::range(s.umin_, s.umax_));
  s.normalize();
  return s;
}

Scalar Scalar::narrow(const Scalar& next) const {
  if (bottom_ || next.bottom_) return next;
  Scalar s = *this;
  if (umax_ == UINT64_MAX) s.umax_ = next.umax_;
  if (umin_ == 0) s.umin_ = next.umin_;
  if (smax_ == INT64_MAX) s.smax_ = next.smax_;
  if (smin_ == INT64_MIN) s.smin_ = next.smin_;
  if (u32max_ == UINT32_MAX) s.u32max_ = next.u32max_;
  if (u32min_ == 0) s.u32min_ = next.u32min_;
  if (s32max_ == INT32_MAX) s.s32max_ = next.s32max_;
  if (s32min_ == INT32_MIN) s.s32min_ = next.s32min_;
  s.normalize();
  return s.is_bottom() ? next : s;
}

std::string Scalar::to_string() const {
  if (bottom_) return "bottom";
  if (auto c = as_constant()) {
    char buf[48];
    if (static_cast<s64>(*c) < 0 && static_cast<s64>(*c) > -4096) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(*c));
    } else {
      std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(*c));
    }
    return buf;
  }
  std::string out;
  char buf[64];
  auto add = [&](const char* text) {
    if (!out.empty()) out += ",";
    out += text;
  };
  if (smin_ != INT64_MIN || smax_ != INT64_MAX) {
    std::snprintf(buf, sizeof buf, "s=[%lld,%lld]", static_cast<long long>(smin_),
                  static_cast<long long>(smax_));
    add(buf);
  }
  if (umin_ != 0 || umax_ != UINT64_MAX) {
    std::snprintf(buf, sizeof buf, "u=[%llu,%llu]", static_cast<unsigned long long>(umin_),
                  static_cast<unsigned long long>(umax_));
    add(buf);
  }
  if ((u32min_ != 0 || u32max_ != UINT32_MAX) && (umin_ >> 32) != (umax_ >> 32)) {
    std::snprintf(buf, sizeof buf, "u32=[%u,%u]", u32min_, u32max_);
    add(buf);
  }
  if (bits_.mask != ~u64{0} && bits_.mask != 0 &&
      (bits_.value != 0 || __builtin_popcountll(~bits_.mask) < 64)) {
    std::snprintf(buf, sizeof buf, "bits=(%#llx;%#llx)",
                  static_cast<unsigned long long>(bits_.value),
                  static_cast<unsigned long long>(bits_.mask));
    add(buf);
  }
  return out.empty() ? "any" : out;
}

// ---- Arithmetic ----
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

// ---- Comparisons ----

namespace {

using isa::Sem;

// The relation a `op` b on unsigned or signed values, refined in place.
void refine_unsigned(Sem sem, Scalar& a, Scalar& b) {
  switch (sem) {
    case Sem::jgt:  // a > b
      if (b.umin() == UINT64_MAX || a.umax() == 0) {
        a = Scalar::bottom();
        return;
      }
      a.restrict_unsigned(b.umin() + 1, UINT64_MAX);
      b.restrict_unsigned(0, a.is_bottom() ? 0 : a.umax() - 1);
      break;
    case Sem::jge:  // a >= b
      a.restrict_unsigned(b.umin(), UINT64_MAX);
      if (!a.is_bottom()) b.restrict_unsigned(0, a.umax());
      break;
    case Sem::jlt:  // a < b
      if (a.umin() == UINT64_MAX || b.umax() == 0) {
        a = Scalar::bottom();
        return;
      }
      a.restrict_unsigned(0, b.umax() - 1);
      if (!a.is_bottom()) b.restrict_unsigned(a.umin() + 1, UINT64_MAX);
      break;
    case Sem::jle:  // a <= b
      a.restrict_unsigned(0, b.umax());
      if (!a.is_bottom()) b.restrict_unsigned(a.umin(), UINT64_MAX);
      break;
    default: break;
  }
}

void refine_signed(Sem sem, Scalar& a, Scalar& b) {
  switch (sem) {
    case Sem::jsgt:
      if (b.smin() == INT64_MAX || a.smax() == INT64_MIN) {
        a = Scalar::bottom();
        return;
      }
      a.restrict_signed(b.smin() + 1, INT64_MAX);
      if (!a.is_bottom()) b.restrict_signed(INT64_MIN, a.smax() - 1);
      break;
    case Sem::jsge:
      a.restrict_signed(b.smin(), INT64_MAX);
      if (!a.is_bottom()) b.restrict_signed(INT64_MIN, a.smax());
      break;
    case Sem::jslt:
      if (a.smin() == INT64_MAX || b.smax() == INT64_MIN) {
        a = Scalar::bottom();
        return;
      }
      a.restrict_signed(INT64_MIN, b.smax() - 1);
      if (!a.is_bottom()) b.restrict_signed(a.smin() + 1, INT64_MAX);
      break;
    case Sem::jsle:
      a.restrict_signed(INT64_MIN, b.smax());
      if (!a.is_bottom()) b.restrict_signed(a.smin(), INT64_MAX);
      break;
    default: break;
  }
}

Sem negate(Sem sem) {
  switch (sem) {
    case Sem::jeq: return Sem::jne;
    case Sem::jne: return Sem::jeq;
    case Sem::jgt: return Sem::jle;
    case Sem::jge: return Sem::jlt;
    case Sem::jlt: return Sem::jge;
    case Sem::jle: return Sem::jgt;
    case Sem::jsgt: return Sem::jsle;
    case Sem::jsge: return Sem::jslt;
    case Sem::jslt: return Sem::jsge;
    case Sem::jsle: return Sem::jsgt;
    default: return sem;
  }
}

// a != b: only a constant on one side can trim the other's ends.
void refine_not_equal(Scalar& a, Scalar& b) {
  if (auto c = b.as_constant()) {
    if (a.as_constant() == c) {
      a = Scalar::bottom();
      return;
    }
    if (a.umin() == *c) a.restrict_unsigned(*c + 1, UINT64_MAX);
    if (a.umax() == *c) a.restrict_unsigned(0, *c - 1);
    if (a.smin() == static_cast<s64>(*c)) a.restrict_signed(static_cast<s64>(*c) + 1, INT64_MAX);
    if (a.smax() == static_cast<s64>(*c)) a.restrict_signed(INT64_MIN, static_cast<s64>(*c) - 1);
  }
  if (auto c = a.as_constant(); c && !b.is_bottom()) {
    if (b.umin() == *c) b.restrict_unsigned(*c + 1, UINT64_MAX);
    if (b.umax() == *c) b.restrict_unsigned(0, *c - 1);
    if (b.smin() == static_cast<s64>(*c)) b.restrict_signed(static_cast<s64>(*c) + 1, INT64_MAX);
    if (b.smax() == static_cast<s64>(*c)) b.restrict_signed(INT64_MIN, static_cast<s64>(*c) - 1);
  }
}

// 64-bit refinement of `a sem b` assumed true.
void refine64(Sem sem, Scalar& a, Scalar& b) {
  switch (sem) {
    case Sem::jeq: {
      const Scalar both = a.meet(b);
      a = both;
      b = both;
      break;
    }
    case Sem::jne: refine_not_equal(a, b); break;
    case Sem::jset:  // (a & b) != 0
      if (auto c = b.as_constant()) {
        if ((a.bits().value & *c) == 0 && (a.bits().mask & *c) == 0) a = Scalar::bottom();
        if (!a.is_bottom() && __builtin_popcountll(*c) == 1) a.restrict_bits(Tnum{*c, ~*c});
        if (!a.is_bottom() && *c != 0) a.restrict_unsigned(1, UINT64_MAX);
      }
      break;
    default:
      refine_unsigned(sem, a, b);
      refine_signed(sem, a, b);
      break;
  }
}

// (a & b) == 0: the branch not taken of jset.
void refine_clear(Scalar& a, const Scalar& b) {
  if (auto c = b.as_constant()) a.restrict_bits(Tnum{0, ~*c});
}

}  // namespace

Refined refine(Sem sem, unsigned width, bool taken, const Scalar& dst, const Scalar& src) {
  Refined r{dst, src};
  if (dst.is_bottom() || src.is_bottom()) return {Scalar::bottom(), Scalar::bottom()};
  if (width == 64) {
    if (sem == Sem::jset && !taken) {
      refine_clear(r.dst, r.src);
    } else {
      refine64(taken ? sem : negate(sem), r.dst, r.src);
    }
  } else {
    // Refine the 32-bit views, then carry what was learned into the 32-bit bounds and bits.
    const bool is_signed =
        sem == Sem::jsgt || sem == Sem::jsge || sem == Sem::jslt || sem == Sem::jsle;
    Scalar a = is_signed ? dst.sign_extended32() : dst.low32();
    Scalar b = is_signed ? src.sign_extended32() : src.low32();
    if (sem == Sem::jset && !taken) {
      refine_clear(a, b);
    } else {
      refine64(taken ? sem : negate(sem), a, b);
    }
    auto carry = [](Scalar& full, const Scalar& low, bool sign) {
      if (low.is_bottom()) {
        full = Scalar::bottom();
        return;
      }
      if (sign) {
        full.restrict_signed32(static_cast<s32>(std::max<s64>(low.smin(), INT32_MIN)),
                               static_cast<s32>(std::min<s64>(low.smax(), INT32_MAX)));
      } else {
        full.restrict_unsigned32(static_cast<u32>(std::min<u64>(low.umin(), UINT32_MAX)),
                                 static_cast<u32>(std::min<u64>(low.umax(), UINT32_MAX)));
      }
      if (!full.is_bottom()) {
        const Tnum low_bits = tnum_subreg(low.bits());
        full.restrict_bits(Tnum{low_bits.value, low_bits.mask | ~kLow32});
      }
    };
    carry(r.dst, a, is_signed);
    carry(r.src, b, is_signed);
  }
  if (r.dst.is_bottom() || r.src.is_bottom()) return {Scalar::bottom(), Scalar::bottom()};
  return r;
}

}  // namespace xbpf::verifier
