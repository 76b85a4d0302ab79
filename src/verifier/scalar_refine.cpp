// Scalar comparisons: what each side of a conditional jump tells about its operands.
#include <algorithm>

#include "verifier/scalar.h"

namespace xbpf::verifier {
namespace {

using u64 = std::uint64_t;
using s64 = std::int64_t;
using u32 = std::uint32_t;
using s32 = std::int32_t;
constexpr u64 kLow32 = 0xffffffffULL;

}  // namespace

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
