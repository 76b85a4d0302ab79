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

}  // namespace xbpf::verifier
