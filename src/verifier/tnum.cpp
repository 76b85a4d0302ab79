// After Linux's kernel/bpf/tnum.c (the algorithms, including the multiplication by
// Harishankar Vishwanathan et al., "Sound, Precise, and Fast Abstract Interpretation with
// Tristate Numbers").
#include "verifier/tnum.h"

namespace xbpf::verifier {

Tnum Tnum::range(std::uint64_t min, std::uint64_t max) {
  const std::uint64_t chi = min ^ max;
  const int bits = chi == 0 ? 0 : 64 - __builtin_clzll(chi);
  if (bits > 63) return unknown();
  const std::uint64_t delta = (std::uint64_t{1} << bits) - 1;
  return {min & ~delta, delta};
}

Tnum tnum_lshift(Tnum a, unsigned shift) { return {a.value << shift, a.mask << shift}; }

Tnum tnum_rshift(Tnum a, unsigned shift) { return {a.value >> shift, a.mask >> shift}; }

Tnum tnum_arshift(Tnum a, unsigned shift, unsigned width) {
  // The sign bit, known or unknown, spreads: shift value and mask as signed numbers.
  if (width == 32) {
    return {static_cast<std::uint32_t>(
                static_cast<std::int32_t>(static_cast<std::uint32_t>(a.value)) >> shift),
            static_cast<std::uint32_t>(
                static_cast<std::int32_t>(static_cast<std::uint32_t>(a.mask)) >> shift)};
  }
  return {static_cast<std::uint64_t>(static_cast<std::int64_t>(a.value) >> shift),
          static_cast<std::uint64_t>(static_cast<std::int64_t>(a.mask) >> shift)};
}

Tnum tnum_add(Tnum a, Tnum b) {
  const std::uint64_t sm = a.mask + b.mask;
  const std::uint64_t sv = a.value + b.value;
  const std::uint64_t sigma = sm + sv;
  const std::uint64_t chi = sigma ^ sv;
  const std::uint64_t mu = chi | a.mask | b.mask;
  return {sv & ~mu, mu};
}

Tnum tnum_sub(Tnum a, Tnum b) {
  const std::uint64_t dv = a.value - b.value;
  const std::uint64_t alpha = dv + a.mask;
  const std::uint64_t beta = dv - b.mask;
  const std::uint64_t chi = alpha ^ beta;
  const std::uint64_t mu = chi | a.mask | b.mask;
  return {dv & ~mu, mu};
}

Tnum tnum_neg(Tnum a) { return tnum_sub(Tnum::constant(0), a); }

Tnum tnum_and(Tnum a, Tnum b) {
  const std::uint64_t alpha = a.value | a.mask;
  const std::uint64_t beta = b.value | b.mask;
  const std::uint64_t v = a.value & b.value;
  return {v, alpha & beta & ~v};
}

Tnum tnum_or(Tnum a, Tnum b) {
  const std::uint64_t v = a.value | b.value;
  const std::uint64_t mu = a.mask | b.mask;
  return {v, mu & ~v};
}

Tnum tnum_xor(Tnum a, Tnum b) {
  const std::uint64_t v = a.value ^ b.value;
  const std::uint64_t mu = a.mask | b.mask;
  return {v & ~mu, mu};
}

Tnum tnum_mul(Tnum a, Tnum b) {
  Tnum acc_v = Tnum::constant(a.value * b.value);
  Tnum acc_m = Tnum::constant(0);
  while (a.value != 0 || a.mask != 0) {
    if ((a.value & 1) != 0) {
      acc_m = tnum_add(acc_m, Tnum{0, b.mask});
    } else if ((a.mask & 1) != 0) {
      acc_m = tnum_add(acc_m, Tnum{0, b.value | b.mask});
    }
    a = tnum_rshift(a, 1);
    b = tnum_lshift(b, 1);
  }
  return tnum_add(acc_v, acc_m);
}

Tnum tnum_intersect(Tnum a, Tnum b) {
  const std::uint64_t v = a.value | b.value;
  const std::uint64_t mu = a.mask & b.mask;
  return {v & ~mu, mu};
}

Tnum tnum_union(Tnum a, Tnum b) {
  const std::uint64_t v = a.value & b.value;
  const std::uint64_t mu = a.mask | b.mask | (a.value ^ b.value);
  return {v & ~mu, mu};
}

Tnum tnum_cast(Tnum a, unsigned bytes) {
  if (bytes >= 8) return a;
  const std::uint64_t keep = (std::uint64_t{1} << (8 * bytes)) - 1;
  return {a.value & keep, a.mask & keep};
}

Tnum tnum_subreg(Tnum a) { return tnum_cast(a, 4); }

Tnum tnum_with_subreg(Tnum a, Tnum subreg) {
  const std::uint64_t high = ~std::uint64_t{0xffffffff};
  return tnum_or(Tnum{a.value & high, a.mask & high}, tnum_subreg(subreg));
}

bool tnum_in(Tnum outer, Tnum inner) {
  if ((inner.mask & ~outer.mask) != 0) return false;
  return (inner.value & ~outer.mask) == outer.value;
}

}  // namespace xbpf::verifier
