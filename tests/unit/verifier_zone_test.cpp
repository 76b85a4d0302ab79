// The zone domain: closure equals brute-force shortest paths; join, widen, assign and
// forget keep every concrete valuation they must keep.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "verifier/zone.h"

namespace xbpf::verifier {
namespace {

using Var = Zone::Var;

// A concrete valuation of variables 1..n (variable 0 is 0).
using Valuation = std::map<Var, std::int64_t>;

bool satisfies(const Zone& zone, const Valuation& values, Var n) {
  auto value = [&](Var v) { return v == 0 ? 0 : values.at(v); };
  for (Var x = 0; x <= n; ++x) {
    for (Var y = 0; y <= n; ++y) {
      if (auto c = zone.bound(x, y); c && value(x) - value(y) > *c) return false;
    }
  }
  return true;
}

TEST(VerifierZone, ClosureFindsEveryImpliedConstraint) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 2000; ++round) {
    const Var n = 2 + rng() % 5;
    Zone zone;
    std::vector<std::vector<std::int64_t>> brute(n + 1,
                                                 std::vector<std::int64_t>(n + 1, INT64_MAX));
    for (Var i = 0; i <= n; ++i) brute[i][i] = 0;
    const int constraints = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < constraints; ++k) {
      const Var x = rng() % (n + 1), y = rng() % (n + 1);
      const std::int64_t c = static_cast<std::int64_t>(rng() % 41) - 10;
      zone.add(x, y, c);
      if (x != y)
        brute[y][x] = std::min(brute[y][x], c);
      else if (c < 0)
        brute[0][0] = -1;
    }
    // Floyd-Warshall.
    for (Var k = 0; k <= n; ++k)
      for (Var i = 0; i <= n; ++i)
        for (Var j = 0; j <= n; ++j)
          if (brute[i][k] != INT64_MAX && brute[k][j] != INT64_MAX)
            brute[i][j] = std::min(brute[i][j], brute[i][k] + brute[k][j]);
    bool negative = false;
    for (Var i = 0; i <= n; ++i) negative |= brute[i][i] < 0;
    ASSERT_EQ(zone.is_bottom(), negative) << "round " << round;
    if (negative) continue;
    for (Var x = 0; x <= n; ++x) {
      for (Var y = 0; y <= n; ++y) {
        if (x == y) continue;
        const std::optional<std::int64_t> expected =
            brute[y][x] == INT64_MAX ? std::nullopt : std::optional<std::int64_t>(brute[y][x]);
        ASSERT_EQ(zone.bound(x, y), expected) << "round " << round << " " << x << "-" << y;
      }
    }
  }
}

// Random zones with a valuation known to satisfy them.
struct Sample {
  Zone zone;
  Valuation values;
};

Sample sample(std::mt19937_64& rng, Var n) {
  Sample s;
  for (Var v = 1; v <= n; ++v) s.values[v] = static_cast<std::int64_t>(rng() % 21) - 10;
  auto value = [&](Var v) { return v == 0 ? 0 : s.values[v]; };
  const int constraints = static_cast<int>(rng() % 6);
  for (int k = 0; k < constraints; ++k) {
    const Var x = rng() % (n + 1), y = rng() % (n + 1);
    s.zone.add(x, y, value(x) - value(y) + static_cast<std::int64_t>(rng() % 3));
  }
  return s;
}

TEST(VerifierZone, OperationsKeepConcreteValuations) {
  std::mt19937_64 rng(12);
  const Var n = 4;
  for (int round = 0; round < 5000; ++round) {
    Sample a = sample(rng, n), b = sample(rng, n);
    ASSERT_TRUE(satisfies(a.zone, a.values, n));
    const Zone join = a.zone.join(b.zone);
    ASSERT_TRUE(satisfies(join, a.values, n));
    ASSERT_TRUE(satisfies(join, b.values, n));
    const Zone widened = a.zone.widen(join);
    ASSERT_TRUE(satisfies(widened, a.values, n));
    ASSERT_TRUE(satisfies(widened, b.values, n));
    EXPECT_TRUE(a.zone.leq(join));
    // x := y + c
    const Var x = 1 + rng() % n, y = rng() % (n + 1);
    const std::int64_t c = static_cast<std::int64_t>(rng() % 7) - 3;
    Zone assigned = a.zone;
    assigned.assign(x, y, c);
    Valuation after = a.values;
    after[x] = (y == 0 ? 0 : a.values[y]) + c;
    ASSERT_TRUE(satisfies(assigned, after, n)) << "assign " << x << " := " << y << " + " << c;
    Zone forgotten = a.zone;
    forgotten.forget(x);
    Valuation anything = a.values;
    anything[x] = 1000;
    ASSERT_TRUE(satisfies(forgotten, anything, n));
  }
}

TEST(VerifierZone, TracksAPacketLoop) {
  // i := 0; loop: i + 1 <= size (the bounds check); i := i + 1.
  constexpr Var i = 1, size = 2;
  Zone head;
  head.assign_range(i, 0, 0);
  head.add(Zone::kZero, size, 0);  // size >= 0
  Zone body = head;
  body.add(i, size, -1);  // i - size <= -1
  EXPECT_EQ(body.bound(i, size), -1);
  body.assign(i, i, 1);               // i += 1
  EXPECT_EQ(body.bound(i, size), 0);  // i <= size still holds at the back edge
  const Zone joined = head.join(body);
  EXPECT_EQ(joined.bound(i, size), 0);
}

}  // namespace
}  // namespace xbpf::verifier
