// The abstract value of a number in a register or stack slot: signed and unsigned intervals
// of the 64-bit value and of its low 32 bits, and its known bits, kept consistent with each
// other (as Linux's struct bpf_reg_state tracks scalars). Every transfer function is sound:
// for all concrete inputs its arguments contain, it contains the concrete result of the
// operation as the interpreter computes it (tests/unit/verifier_scalar_test.cpp checks this
// against src/vm/semantics.h on random values).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "isa/opcode.h"
#include "verifier/tnum.h"

namespace xbpf::verifier {

class Scalar {
 public:
  static Scalar top();
  static Scalar constant(std::uint64_t value);
  static Scalar unsigned_range(std::uint64_t min, std::uint64_t max);
  static Scalar signed_range(std::int64_t min, std::int64_t max);
  // The value of an n-byte unsigned load (0 .. 2^(8n)-1).
  static Scalar of_width(unsigned bytes);
  static Scalar bottom();

  [[nodiscard]] bool is_bottom() const { return bottom_; }
  [[nodiscard]] bool is_top() const;
  [[nodiscard]] std::optional<std::uint64_t> as_constant() const;
  [[nodiscard]] bool contains(std::uint64_t value) const;
  // Every value of `other` is a value of this.
  [[nodiscard]] bool includes(const Scalar& other) const;

  [[nodiscard]] std::int64_t smin() const { return smin_; }
  [[nodiscard]] std::int64_t smax() const { return smax_; }
  [[nodiscard]] std::uint64_t umin() const { return umin_; }
  [[nodiscard]] std::uint64_t umax() const { return umax_; }
  [[nodiscard]] std::int32_t s32min() const { return s32min_; }
  [[nodiscard]] std::int32_t s32max() const { return s32max_; }
  [[nodiscard]] std::uint32_t u32min() const { return u32min_; }
  [[nodiscard]] std::uint32_t u32max() const { return u32max_; }
  [[nodiscard]] Tnum bits() const { return bits_; }

  // The low 32 bits, zero-extended (what a 32-bit operation reads), and sign-extended.
  [[nodiscard]] Scalar low32() const;
  [[nodiscard]] Scalar sign_extended32() const;
  // Truncation to the low `bytes` bytes, zero-extended (a narrow store then load, or le16/32).
  [[nodiscard]] Scalar truncated(unsigned bytes) const;
  // Sign extension from the low `bytes` bytes (movsx, sign-extending loads).
  [[nodiscard]] Scalar sign_extended(unsigned bytes) const;

  // Lattice operations.
  [[nodiscard]] Scalar join(const Scalar& other) const;
  [[nodiscard]] Scalar meet(const Scalar& other) const;
  // Widening: bounds that grew jump to the next threshold (then to the extreme).
  [[nodiscard]] Scalar widen(const Scalar& next, std::span<const std::int64_t> thresholds) const;
  // Narrowing: bounds that widening pushed to an extreme come back.
  [[nodiscard]] Scalar narrow(const Scalar& next) const;

  bool operator==(const Scalar& other) const;
  [[nodiscard]] std::string to_string() const;

  // Intersects the bounds with a range (for refinement by comparisons); may become bottom.
  void restrict_unsigned(std::uint64_t min, std::uint64_t max);
  void restrict_signed(std::int64_t min, std::int64_t max);
  void restrict_unsigned32(std::uint32_t min, std::uint32_t max);
  void restrict_signed32(std::int32_t min, std::int32_t max);
  void restrict_bits(Tnum bits);

 private:
  friend struct ScalarBuilder;
  // Makes the representations agree and tighten each other (Linux's reg_bounds_sync).
  void normalize();

  bool bottom_ = false;
  Tnum bits_ = Tnum::unknown();
  std::int64_t smin_ = INT64_MIN, smax_ = INT64_MAX;
  std::uint64_t umin_ = 0, umax_ = UINT64_MAX;
  std::int32_t s32min_ = INT32_MIN, s32max_ = INT32_MAX;
  std::uint32_t u32min_ = 0, u32max_ = UINT32_MAX;
};

// ALU operations on 64-bit abstract values (the 32-bit forms: apply to low32() or
// sign_extended32() operands, then truncated(4)). `sem` is the opcode table's operation.
Scalar alu64(isa::Sem sem, const Scalar& dst, const Scalar& src);
Scalar alu32(isa::Sem sem, const Scalar& dst, const Scalar& src);
// le / be / bswap of `width` bits.
Scalar byte_swap(isa::Sem sem, unsigned width, const Scalar& value);

// What a conditional jump tells about its operands on the branch where `taken` holds:
// `dst` and `src` refined (either may become bottom: the branch is infeasible).
struct Refined {
  Scalar dst;
  Scalar src;
};
Refined refine(isa::Sem sem, unsigned width, bool taken, const Scalar& dst, const Scalar& src);

}  // namespace xbpf::verifier
