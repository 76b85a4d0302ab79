// Known bits ("tristate numbers"): value/mask pairs where a mask bit marks an unknown bit,
// as Linux's kernel/bpf/tnum.c. Every operation over-approximates: the result contains the
// concrete result for every pair of concrete values its inputs contain.
#pragma once

#include <cstdint>

namespace xbpf::verifier {

struct Tnum {
  std::uint64_t value = 0;                 // known bits (zero where unknown)
  std::uint64_t mask = ~std::uint64_t{0};  // unknown bits

  static constexpr Tnum constant(std::uint64_t v) { return {v, 0}; }
  static constexpr Tnum unknown() { return {0, ~std::uint64_t{0}}; }
  // The values in [min, max].
  static Tnum range(std::uint64_t min, std::uint64_t max);

  [[nodiscard]] bool is_constant() const { return mask == 0; }
  [[nodiscard]] bool contains(std::uint64_t v) const { return (v & ~mask) == value; }
  [[nodiscard]] std::uint64_t min() const { return value; }
  [[nodiscard]] std::uint64_t max() const { return value | mask; }
  bool operator==(const Tnum&) const = default;
};

Tnum tnum_lshift(Tnum a, unsigned shift);
Tnum tnum_rshift(Tnum a, unsigned shift);
Tnum tnum_arshift(Tnum a, unsigned shift, unsigned width);  // width 32 or 64
Tnum tnum_add(Tnum a, Tnum b);
Tnum tnum_sub(Tnum a, Tnum b);
Tnum tnum_neg(Tnum a);
Tnum tnum_and(Tnum a, Tnum b);
Tnum tnum_or(Tnum a, Tnum b);
Tnum tnum_xor(Tnum a, Tnum b);
Tnum tnum_mul(Tnum a, Tnum b);
// The intersection of what both know (they must agree on common known bits).
Tnum tnum_intersect(Tnum a, Tnum b);
// The join: bits known equal in both stay known.
Tnum tnum_union(Tnum a, Tnum b);
// The low 32 bits (upper bits known zero) / the value truncated to `bytes`.
Tnum tnum_cast(Tnum a, unsigned bytes);
Tnum tnum_subreg(Tnum a);
// a's low 32 bits replaced by b's.
Tnum tnum_with_subreg(Tnum a, Tnum subreg);
bool tnum_in(Tnum outer, Tnum inner);  // every value of inner is in outer

}  // namespace xbpf::verifier
