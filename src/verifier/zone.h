// The relational domain: difference constraints x - y <= c between numeric variables
// (register values and offsets, the packet size, stack cells), a "zone" in abstract
// interpretation terms. It is kept closed (every implied constraint explicit, as shortest
// paths), so reading the tightest bound is a lookup. Only the variables that take part in
// a relation are present: a dense matrix over a small, changing set.
//
// Variable 0 is the constant zero: x - 0 <= c is an upper bound of x, 0 - x <= c a lower one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xbpf::verifier {

class Zone {
 public:
  using Var = std::uint32_t;
  static constexpr Var kZero = 0;
  // Bounds beyond this magnitude are dropped (treated as unknown): no overflow in sums.
  static constexpr std::int64_t kLimit = std::int64_t{1} << 61;

  [[nodiscard]] bool is_bottom() const { return bottom_; }
  static Zone bottom();

  // Adds x - y <= c (and closes). Becomes bottom if that contradicts what is known.
  void add(Var x, Var y, std::int64_t c);
  // The tightest c with x - y <= c, if any.
  [[nodiscard]] std::optional<std::int64_t> bound(Var x, Var y) const;
  [[nodiscard]] std::optional<std::int64_t> upper(Var x) const { return bound(x, kZero); }
  [[nodiscard]] std::optional<std::int64_t> lower(Var x) const;

  // Removes every constraint on x (x becomes unknown).
  void forget(Var x);
  // x := y + c, keeping what was known about y (x's old relations are dropped). x == y is
  // allowed (an increment).
  void assign(Var x, Var y, std::int64_t c);
  // x's value is in [lo, hi] (nullopt: unbounded), with no relation to others.
  void assign_range(Var x, std::optional<std::int64_t> lo, std::optional<std::int64_t> hi);

  [[nodiscard]] Zone join(const Zone& other) const;
  // Constraints that grew are dropped: the standard zone widening.
  [[nodiscard]] Zone widen(const Zone& next) const;
  // Constraints dropped by widening are taken from `next`.
  [[nodiscard]] Zone narrow(const Zone& next) const;
  // Every constraint of `other` is implied by this one's (this is at most other).
  [[nodiscard]] bool leq(const Zone& other) const;
  bool operator==(const Zone& other) const;

  [[nodiscard]] bool has(Var x) const;
  [[nodiscard]] std::size_t variables() const { return vars_.size(); }
  [[nodiscard]] std::string to_string(std::string (*name)(Var)) const;

 private:
  static constexpr std::int64_t kInf = INT64_MAX;
  std::int64_t& at(std::size_t i, std::size_t j) { return matrix_[i * vars_.size() + j]; }
  [[nodiscard]] std::int64_t at(std::size_t i, std::size_t j) const {
    return matrix_[i * vars_.size() + j];
  }
  [[nodiscard]] std::optional<std::size_t> index_of(Var x) const;
  std::size_t ensure(Var x);
  void remove_index(std::size_t i);
  // After tightening (i -> j) to c: every path through that edge.
  void close_over(std::size_t i, std::size_t j);
  void drop_isolated();

  bool bottom_ = false;
  std::vector<Var> vars_;             // vars_[0] is kZero when present
  std::vector<std::int64_t> matrix_;  // matrix_[i][j]: vars_[j] - vars_[i] <= value
};

}  // namespace xbpf::verifier
