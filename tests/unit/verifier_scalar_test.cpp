// The scalar domain is sound: for random concrete values drawn from abstract values, every
// operation's concrete result (the interpreter's semantics) lies in the abstract result,
// and every refinement keeps the concrete values for which the condition holds.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "isa/opcode.h"
#include "verifier/scalar.h"
#include "vm/semantics.h"

namespace xbpf::verifier {
namespace {

using isa::Sem;
using u64 = std::uint64_t;

// Interesting values: edges of every width and sign, small numbers, random bits.
u64 interesting(std::mt19937_64& rng) {
  static const u64 edges[] = {0,
                              1,
                              2,
                              3,
                              7,
                              8,
                              31,
                              32,
                              63,
                              64,
                              255,
                              256,
                              0x7fff,
                              0x8000,
                              0xffff,
                              0x10000,
                              0x7fffffff,
                              0x80000000,
                              0xffffffff,
                              0x100000000ULL,
                              0x7fffffffffffffffULL,
                              0x8000000000000000ULL,
                              0xffffffffffffffffULL,
                              0xfffffffffffffffeULL,
                              0xffffffff80000000ULL,
                              0xffffffff7fffffffULL};
  switch (rng() % 4) {
    case 0: return edges[rng() % (sizeof edges / sizeof edges[0])];
    case 1: return rng() % 64;
    case 2: return static_cast<u64>(-static_cast<std::int64_t>(rng() % 64));
    default: return rng();
  }
}

// A set of concrete values and an abstract value that contains them.
struct Sample {
  std::vector<u64> values;
  Scalar abstract;
};

Sample sample(std::mt19937_64& rng) {
  Sample s;
  const int count = 1 + static_cast<int>(rng() % 3);
  s.abstract = Scalar::bottom();
  for (int i = 0; i < count; ++i) {
    u64 v = interesting(rng);
    if (i > 0 && rng() % 2) v = s.values.front() + (rng() % 16);  // close values: tight ranges
    s.values.push_back(v);
    s.abstract = s.abstract.join(Scalar::constant(v));
  }
  // Sometimes loosen it to a range that still contains the values.
  if (rng() % 4 == 0) {
    const u64 lo = *std::min_element(s.values.begin(), s.values.end());
    const u64 hi = *std::max_element(s.values.begin(), s.values.end());
    s.abstract = s.abstract.join(Scalar::unsigned_range(lo, hi));
  }
  return s;
}

u64 concrete64(Sem sem, u64 a, u64 b) {
  switch (sem) {
    case Sem::add: return vm::sem::alu64_add(a, b);
    case Sem::sub: return vm::sem::alu64_sub(a, b);
    case Sem::mul: return vm::sem::alu64_mul(a, b);
    case Sem::div: return vm::sem::alu64_div(a, b);
    case Sem::sdiv: return vm::sem::alu64_sdiv(a, b);
    case Sem::mod: return vm::sem::alu64_mod(a, b);
    case Sem::smod: return vm::sem::alu64_smod(a, b);
    case Sem::or_: return vm::sem::alu64_or_(a, b);
    case Sem::and_: return vm::sem::alu64_and_(a, b);
    case Sem::xor_: return vm::sem::alu64_xor_(a, b);
    case Sem::lsh: return vm::sem::alu64_lsh(a, b);
    case Sem::rsh: return vm::sem::alu64_rsh(a, b);
    case Sem::arsh: return vm::sem::alu64_arsh(a, b);
    case Sem::neg: return vm::sem::alu64_neg(a, b);
    case Sem::mov: return vm::sem::alu64_mov(a, b);
    case Sem::movsx8: return vm::sem::alu64_movsx8(a, b);
    case Sem::movsx16: return vm::sem::alu64_movsx16(a, b);
    case Sem::movsx32: return vm::sem::alu64_movsx32(a, b);
    default: return 0;
  }
}

u64 concrete32(Sem sem, u64 a, u64 b) {
  switch (sem) {
    case Sem::add: return vm::sem::alu32_add(a, b);
    case Sem::sub: return vm::sem::alu32_sub(a, b);
    case Sem::mul: return vm::sem::alu32_mul(a, b);
    case Sem::div: return vm::sem::alu32_div(a, b);
    case Sem::sdiv: return vm::sem::alu32_sdiv(a, b);
    case Sem::mod: return vm::sem::alu32_mod(a, b);
    case Sem::smod: return vm::sem::alu32_smod(a, b);
    case Sem::or_: return vm::sem::alu32_or_(a, b);
    case Sem::and_: return vm::sem::alu32_and_(a, b);
    case Sem::xor_: return vm::sem::alu32_xor_(a, b);
    case Sem::lsh: return vm::sem::alu32_lsh(a, b);
    case Sem::rsh: return vm::sem::alu32_rsh(a, b);
    case Sem::arsh: return vm::sem::alu32_arsh(a, b);
    case Sem::neg: return vm::sem::alu32_neg(a, b);
    case Sem::mov: return vm::sem::alu32_mov(a, b);
    case Sem::movsx8: return vm::sem::alu32_movsx8(a, b);
    case Sem::movsx16: return vm::sem::alu32_movsx16(a, b);
    default: return 0;
  }
}

bool concrete_condition(Sem sem, unsigned width, u64 a, u64 b) {
  if (width == 32) {
    switch (sem) {
      case Sem::jeq: return vm::sem::cond32_jeq(a, b);
      case Sem::jne: return vm::sem::cond32_jne(a, b);
      case Sem::jgt: return vm::sem::cond32_jgt(a, b);
      case Sem::jge: return vm::sem::cond32_jge(a, b);
      case Sem::jlt: return vm::sem::cond32_jlt(a, b);
      case Sem::jle: return vm::sem::cond32_jle(a, b);
      case Sem::jsgt: return vm::sem::cond32_jsgt(a, b);
      case Sem::jsge: return vm::sem::cond32_jsge(a, b);
      case Sem::jslt: return vm::sem::cond32_jslt(a, b);
      case Sem::jsle: return vm::sem::cond32_jsle(a, b);
      case Sem::jset: return vm::sem::cond32_jset(a, b);
      default: return false;
    }
  }
  switch (sem) {
    case Sem::jeq: return vm::sem::cond64_jeq(a, b);
    case Sem::jne: return vm::sem::cond64_jne(a, b);
    case Sem::jgt: return vm::sem::cond64_jgt(a, b);
    case Sem::jge: return vm::sem::cond64_jge(a, b);
    case Sem::jlt: return vm::sem::cond64_jlt(a, b);
    case Sem::jle: return vm::sem::cond64_jle(a, b);
    case Sem::jsgt: return vm::sem::cond64_jsgt(a, b);
    case Sem::jsge: return vm::sem::cond64_jsge(a, b);
    case Sem::jslt: return vm::sem::cond64_jslt(a, b);
    case Sem::jsle: return vm::sem::cond64_jsle(a, b);
    case Sem::jset: return vm::sem::cond64_jset(a, b);
    default: return false;
  }
}

constexpr Sem kAlu[] = {Sem::add,  Sem::sub, Sem::mul,  Sem::div,    Sem::sdiv,    Sem::mod,
                        Sem::smod, Sem::or_, Sem::and_, Sem::xor_,   Sem::lsh,     Sem::rsh,
                        Sem::arsh, Sem::neg, Sem::mov,  Sem::movsx8, Sem::movsx16, Sem::movsx32};
constexpr Sem kConditions[] = {Sem::jeq,  Sem::jne,  Sem::jgt,  Sem::jge,  Sem::jlt, Sem::jle,
                               Sem::jsgt, Sem::jsge, Sem::jslt, Sem::jsle, Sem::jset};

TEST(VerifierScalar, SamplesAreContained) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    const Sample s = sample(rng);
    for (u64 v : s.values)
      ASSERT_TRUE(s.abstract.contains(v)) << s.abstract.to_string() << " " << v;
  }
}

TEST(VerifierScalar, ArithmeticIsSound) {
  std::mt19937_64 rng(2);
  for (int i = 0; i < 200000; ++i) {
    const Sample a = sample(rng), b = sample(rng);
    const Sem sem = kAlu[rng() % (sizeof kAlu / sizeof kAlu[0])];
    const bool narrow = rng() % 2 == 0 && sem != Sem::movsx32;
    const Scalar result =
        narrow ? alu32(sem, a.abstract, b.abstract) : alu64(sem, a.abstract, b.abstract);
    for (u64 x : a.values) {
      for (u64 y : b.values) {
        const u64 expected = narrow ? concrete32(sem, x, y) : concrete64(sem, x, y);
        ASSERT_TRUE(result.contains(expected))
            << (narrow ? "32-bit " : "64-bit ") << static_cast<int>(sem) << " of "
            << a.abstract.to_string() << " and " << b.abstract.to_string() << " = "
            << result.to_string() << " misses " << x << " op " << y << " = " << expected;
      }
    }
  }
}

TEST(VerifierScalar, ByteSwapsAreSound) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50000; ++i) {
    const Sample a = sample(rng);
    for (unsigned width : {16U, 32U, 64U}) {
      for (Sem sem : {Sem::le, Sem::be, Sem::bswap}) {
        const Scalar result = byte_swap(sem, width, a.abstract);
        for (u64 x : a.values) {
          u64 expected;
          if (sem == Sem::le) {
            expected = width == 16   ? vm::sem::swap_le16(x)
                       : width == 32 ? vm::sem::swap_le32(x)
                                     : vm::sem::swap_le64(x);
          } else {
            expected = width == 16   ? vm::sem::swap_be16(x)
                       : width == 32 ? vm::sem::swap_be32(x)
                                     : vm::sem::swap_be64(x);
          }
          ASSERT_TRUE(result.contains(expected)) << a.abstract.to_string() << " width " << width;
        }
      }
    }
  }
}

TEST(VerifierScalar, RefinementsKeepEveryValueTheBranchAllows) {
  std::mt19937_64 rng(4);
  for (int i = 0; i < 200000; ++i) {
    const Sample a = sample(rng), b = sample(rng);
    const Sem sem = kConditions[rng() % (sizeof kConditions / sizeof kConditions[0])];
    const unsigned width = rng() % 2 ? 64 : 32;
    const bool taken = rng() % 2;
    const Refined r = refine(sem, width, taken, a.abstract, b.abstract);
    for (u64 x : a.values) {
      for (u64 y : b.values) {
        if (concrete_condition(sem, width, x, y) != taken) continue;
        ASSERT_TRUE(r.dst.contains(x) && r.src.contains(y))
            << "cond " << static_cast<int>(sem) << "/" << width << (taken ? " taken" : " not taken")
            << " on " << a.abstract.to_string() << " , " << b.abstract.to_string() << " gave "
            << r.dst.to_string() << " , " << r.src.to_string() << " dropping " << x << " , " << y;
      }
    }
  }
}

TEST(VerifierScalar, JoinMeetWidenAreLatticeOperations) {
  std::mt19937_64 rng(5);
  const std::int64_t thresholds[] = {0, 1, 64, 255, 1024, 65535};
  for (int i = 0; i < 50000; ++i) {
    const Sample a = sample(rng), b = sample(rng);
    const Scalar join = a.abstract.join(b.abstract);
    const Scalar widened = a.abstract.widen(b.abstract, thresholds);
    for (const Sample* s : {&a, &b}) {
      for (u64 v : s->values) {
        ASSERT_TRUE(join.contains(v));
        ASSERT_TRUE(widened.contains(v))
            << a.abstract.to_string() << " widened by " << b.abstract.to_string();
      }
    }
    EXPECT_TRUE(join.includes(a.abstract));
    const Scalar meet = a.abstract.meet(b.abstract);
    for (u64 v : a.values) {
      if (b.abstract.contains(v)) {
        ASSERT_TRUE(meet.contains(v));
      }
    }
  }
}

TEST(VerifierScalar, PreciseWhereItMatters) {
  // A few facts the verifier relies on.
  EXPECT_EQ(alu32(Sem::mov, Scalar::top(), Scalar::constant(static_cast<u64>(-1))).as_constant(),
            0xffffffffULL);
  const Scalar byte = Scalar::of_width(1);
  EXPECT_EQ(alu64(Sem::add, byte, Scalar::constant(10)).umax(), 265U);
  EXPECT_EQ(alu64(Sem::and_, Scalar::top(), Scalar::constant(0xff)).umax(), 255U);
  EXPECT_EQ(alu64(Sem::lsh, byte, Scalar::constant(2)).umax(), 1020U);
  EXPECT_EQ(alu64(Sem::mod, Scalar::top(), Scalar::constant(100)).umax(), 99U);
  const Refined below = refine(Sem::jlt, 64, true, Scalar::top(), Scalar::constant(64));
  EXPECT_EQ(below.dst.umax(), 63U);
  EXPECT_EQ(below.dst.smin(), 0);
  // JMP32 bounds only the low half (a known Linux verifier bypass when they were applied to 64).
  const Refined low = refine(Sem::jlt, 32, true, Scalar::top(), Scalar::constant(64));
  EXPECT_EQ(low.dst.u32max(), 63U);
  EXPECT_EQ(low.dst.umax(), 0xffffffff0000003fULL);  // the upper half is still anything
  EXPECT_TRUE(low.dst.contains(0x123456780000002aULL));
  // A signed range across 0 restricted to unsigned values above its positive part: only the
  // negative part is left (and the other way round).
  Scalar small = Scalar::signed_range(-1, 1);
  small.restrict_unsigned(2, UINT64_MAX);
  EXPECT_EQ(small.as_constant(), static_cast<u64>(-1));
  Scalar around = Scalar::signed_range(-1, 1);
  around.restrict_unsigned(0, 5);
  EXPECT_EQ(around.smin(), 0);
  EXPECT_EQ(around.smax(), 1);
  // Signed remainders: exact on constants, the dividend when it is smaller than the divisor.
  EXPECT_EQ(
      alu64(Sem::smod, Scalar::constant(static_cast<u64>(-13)), Scalar::constant(4)).as_constant(),
      static_cast<u64>(-1));
  EXPECT_EQ(alu64(Sem::smod, Scalar::constant(6), Scalar::signed_range(7, 10)).as_constant(), 6U);
}

}  // namespace
}  // namespace xbpf::verifier
