// The relational domain: difference constraints x - y <= c between numeric variables
// (register values and offsets, the packet size, stack cells), a "zone" in abstract
// interpretation terms. It is kept closed (every implied constraint explicit, as shortest
// paths), so reading the tightest bound is a lookup. Only the variables that take part in
// a relation are present: a dense matrix over a small, changing set.
//
// Variable 0 is the constant zero: x - 0 <= c is an upper bound of x, 0 - x <= c a lower one.
//
// Each variable has a slot, a row and a column of the matrix, kept while the variable is
// present (forgetting it frees the slot for the next one): adding or forgetting a variable
// touches one row and one column, not the whole matrix. Variables are looked up by a sorted
// index; the order they were added in is kept too (it is the order of to_string and narrow).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
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
  // lower(x) and upper(x) with one lookup.
  [[nodiscard]] std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>> range(
      Var x) const;

  // The variables y (zero included, x excluded) with x - y == c exactly, and their c.
  void equalities(Var x, std::vector<std::pair<Var, std::int64_t>>& out) const;

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

  Zone() = default;
  Zone(const Zone& other);
  Zone& operator=(const Zone& other);
  Zone(Zone&& other) noexcept { swap(other); }
  Zone& operator=(Zone&& other) noexcept {
    Zone moved(std::move(other));
    swap(moved);
    return *this;
  }
  ~Zone() = default;

  [[nodiscard]] bool has(Var x) const;
  [[nodiscard]] std::size_t variables() const { return order_.size(); }
  [[nodiscard]] std::string to_string(std::string (*name)(Var)) const;

 private:
  void swap(Zone& other) noexcept {
    std::swap(bottom_, other.bottom_);
    std::swap(used_, other.used_);
    std::swap(cap_, other.cap_);
    keys_.swap(other.keys_);
    order_.swap(other.order_);
    matrix_.swap(other.matrix_);
  }

  using Slot = std::uint32_t;
  static constexpr Slot kNone = UINT32_MAX;
  static constexpr std::int64_t kInf = INT64_MAX;
  // A variable and the slot (row and column of the matrix) holding it.
  struct Entry {
    Var var;
    Slot slot;
  };

  std::int64_t* row(Slot p) { return matrix_.get() + std::size_t{p} * cap_; }
  [[nodiscard]] const std::int64_t* row(Slot p) const {
    return matrix_.get() + std::size_t{p} * cap_;
  }
  std::int64_t& at(Slot p, Slot q) { return row(p)[q]; }
  [[nodiscard]] std::int64_t at(Slot p, Slot q) const { return row(p)[q]; }
  [[nodiscard]] Slot slot_of(Var x) const;
  Slot ensure(Var x);
  void remove(Var x);
  // After tightening (i -> j) to c: every path through that edge.
  void close_over(Slot i, Slot j);
  void drop_isolated();
  // The slots of this zone's variables in `other` (kNone when absent), by this zone's slot.
  void slots_in(const Zone& other, std::vector<Slot>& out) const;
  template <class Combine>
  Zone pointwise(const Zone& other, Combine combine) const;

  bool bottom_ = false;
  // Slots [0, used_) are allocated; a free one (its variable forgotten) has kInf in its row,
  // its column and its diagonal, so that loops over the slots skip it. The matrix's stride is
  // cap_ >= used_.
  Slot used_ = 0;
  Slot cap_ = 0;
  std::vector<Entry> keys_;   // by variable (the lookup)
  std::vector<Entry> order_;  // in the order the variables were added: to_string, narrow
  std::unique_ptr<std::int64_t[]> matrix_;  // at(p, q): var(q) - var(p) <= value
};

}  // namespace xbpf::verifier
