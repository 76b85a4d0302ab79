#include "verifier/zone.h"

#include <algorithm>

namespace xbpf::verifier {
namespace {

// Saturating sum of two bounds (kInf absorbs; beyond the limit counts as unknown).
std::int64_t plus(std::int64_t a, std::int64_t b) {
  if (a == INT64_MAX || b == INT64_MAX) return INT64_MAX;
  const std::int64_t sum = a + b;  // |a|, |b| < 2^61: no overflow
  return sum >= Zone::kLimit ? INT64_MAX : std::max(sum, -Zone::kLimit);
}

}  // namespace

Zone Zone::bottom() {
  Zone z;
  z.bottom_ = true;
  return z;
}

std::optional<std::size_t> Zone::index_of(Var x) const {
  for (std::size_t i = 0; i < vars_.size(); ++i) {
    if (vars_[i] == x) return i;
  }
  return std::nullopt;
}

bool Zone::has(Var x) const { return index_of(x).has_value(); }

std::size_t Zone::ensure(Var x) {
  if (auto i = index_of(x)) return *i;
  const std::size_t n = vars_.size();
  std::vector<std::int64_t> grown((n + 1) * (n + 1), kInf);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) grown[i * (n + 1) + j] = matrix_[i * n + j];
  }
  grown[n * (n + 1) + n] = 0;
  matrix_ = std::move(grown);
  vars_.push_back(x);
  return n;
}

void Zone::remove_index(std::size_t victim) {
  const std::size_t n = vars_.size();
  std::vector<std::int64_t> shrunk((n - 1) * (n - 1));
  for (std::size_t i = 0, ii = 0; i < n; ++i) {
    if (i == victim) continue;
    for (std::size_t j = 0, jj = 0; j < n; ++j) {
      if (j == victim) continue;
      shrunk[ii * (n - 1) + jj] = matrix_[i * n + j];
      ++jj;
    }
    ++ii;
  }
  matrix_ = std::move(shrunk);
  vars_.erase(vars_.begin() + static_cast<std::ptrdiff_t>(victim));
}

void Zone::close_over(std::size_t i, std::size_t j) {
  // A new edge i -> j (vars_[j] - vars_[i] <= at(i, j)): every u -> i -> j -> v path.
  const std::size_t n = vars_.size();
  const std::int64_t c = at(i, j);
  for (std::size_t u = 0; u < n; ++u) {
    const std::int64_t ui = at(u, i);
    if (ui == kInf) continue;
    const std::int64_t uj = plus(ui, c);
    if (uj == kInf) continue;
    for (std::size_t v = 0; v < n; ++v) {
      const std::int64_t jv = at(j, v);
      if (jv == kInf) continue;
      const std::int64_t uv = plus(uj, jv);
      if (uv < at(u, v)) at(u, v) = uv;
    }
  }
  for (std::size_t k = 0; k < n; ++k) {
    if (at(k, k) < 0) {
      *this = bottom();
      return;
    }
  }
}

void Zone::add(Var x, Var y, std::int64_t c) {
  if (bottom_ || x == y) {
    if (!bottom_ && c < 0) *this = bottom();
    return;
  }
  if (c >= kLimit) return;
  if (c <= -kLimit) c = -kLimit + 1;
  const std::size_t ix = ensure(x), iy = ensure(y);
  if (c >= at(iy, ix)) return;  // nothing new
  at(iy, ix) = c;
  close_over(iy, ix);
}

std::optional<std::int64_t> Zone::bound(Var x, Var y) const {
  if (bottom_) return std::nullopt;
  if (x == y) return 0;
  const auto ix = index_of(x), iy = index_of(y);
  if (!ix || !iy) return std::nullopt;
  const std::int64_t c = at(*iy, *ix);
  if (c == kInf) return std::nullopt;
  return c;
}

std::optional<std::int64_t> Zone::lower(Var x) const {
  const std::optional<std::int64_t> c = bound(kZero, x);  // 0 - x <= c
  if (!c) return std::nullopt;
  return -*c;
}

void Zone::forget(Var x) {
  if (bottom_ || x == kZero) return;
  if (auto i = index_of(x)) remove_index(*i);
}

void Zone::assign(Var x, Var y, std::int64_t c) {
  if (bottom_) return;
  if (c >= kLimit || c <= -kLimit) {
    forget(x);
    return;
  }
  if (x == y) {
    // x := x + c: shift every constraint on x.
    const auto i = index_of(x);
    if (!i) return;
    const std::size_t n = vars_.size();
    for (std::size_t k = 0; k < n; ++k) {
      if (k == *i) continue;
      if (at(k, *i) != kInf) at(k, *i) = plus(at(k, *i), c);   // x - k <= d becomes d + c
      if (at(*i, k) != kInf) at(*i, k) = plus(at(*i, k), -c);  // k - x <= d becomes d - c
    }
    return;
  }
  forget(x);
  if (y != kZero && !has(y)) {
    // y has no relation yet: record x - y == c alone.
    ensure(y);
  }
  const std::size_t iy = ensure(y);
  const std::size_t ix = ensure(x);
  // x == y + c: copy y's row and column, shifted.
  const std::size_t n = vars_.size();
  for (std::size_t k = 0; k < n; ++k) {
    if (k == ix) continue;
    if (k == iy) {
      at(iy, ix) = c;   // x - y <= c
      at(ix, iy) = -c;  // y - x <= -c
      continue;
    }
    at(k, ix) = at(k, iy) == kInf ? kInf : plus(at(k, iy), c);
    at(ix, k) = at(iy, k) == kInf ? kInf : plus(at(iy, k), -c);
  }
  at(ix, ix) = 0;
}

void Zone::assign_range(Var x, std::optional<std::int64_t> lo, std::optional<std::int64_t> hi) {
  if (bottom_) return;
  forget(x);
  if (hi) add(x, kZero, *hi);
  if (lo) add(kZero, x, -*lo);
}

void Zone::drop_isolated() {
  // A variable with no finite bound to any other (nor to zero) carries nothing.
  for (std::size_t i = vars_.size(); i-- > 0;) {
    if (vars_[i] == kZero) continue;
    bool related = false;
    for (std::size_t k = 0; k < vars_.size() && !related; ++k) {
      related = k != i && (at(k, i) != kInf || at(i, k) != kInf);
    }
    if (!related) remove_index(i);
  }
}

Zone Zone::join(const Zone& other) const {
  if (bottom_) return other;
  if (other.bottom_) return *this;
  // Only variables known on both sides can keep constraints.
  Zone result;
  for (Var v : vars_) {
    if (other.has(v)) result.ensure(v);
  }
  const std::size_t n = result.vars_.size();
  std::vector<std::size_t> mine(n), theirs(n);
  for (std::size_t k = 0; k < n; ++k) {
    mine[k] = *index_of(result.vars_[k]);
    theirs[k] = *other.index_of(result.vars_[k]);
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      result.at(i, j) = std::max(at(mine[i], mine[j]), other.at(theirs[i], theirs[j]));
    }
  }
  result.drop_isolated();
  return result;
}

Zone Zone::widen(const Zone& next) const {
  if (bottom_) return next;
  if (next.bottom_) return *this;
  Zone result;
  for (Var v : vars_) {
    if (next.has(v)) result.ensure(v);
  }
  const std::size_t n = result.vars_.size();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const std::int64_t old = at(*index_of(result.vars_[i]), *index_of(result.vars_[j]));
      const std::int64_t now =
          next.at(*next.index_of(result.vars_[i]), *next.index_of(result.vars_[j]));
      result.at(i, j) = now > old ? kInf : old;
    }
  }
  result.drop_isolated();
  return result;
}

Zone Zone::narrow(const Zone& next) const {
  if (bottom_ || next.bottom_) return next;
  Zone result = *this;
  for (std::size_t i = 0; i < next.vars_.size(); ++i) {
    for (std::size_t j = 0; j < next.vars_.size(); ++j) {
      const std::int64_t c = next.at(i, j);
      if (c == kInf || i == j) continue;
      const Var from = next.vars_[i], to = next.vars_[j];
      const auto fi = result.index_of(from), ti = result.index_of(to);
      if (fi && ti && result.at(*fi, *ti) != kInf) continue;  // only refill what widening dropped
      result.add(to, from, c);
      if (result.bottom_) return next;
    }
  }
  return result;
}

bool Zone::leq(const Zone& other) const {
  if (bottom_) return true;
  if (other.bottom_) return false;
  for (std::size_t i = 0; i < other.vars_.size(); ++i) {
    for (std::size_t j = 0; j < other.vars_.size(); ++j) {
      const std::int64_t theirs = other.at(i, j);
      if (theirs == kInf || i == j) continue;
      const std::optional<std::int64_t> mine = bound(other.vars_[j], other.vars_[i]);
      if (!mine || *mine > theirs) return false;
    }
  }
  return true;
}

bool Zone::operator==(const Zone& other) const { return leq(other) && other.leq(*this); }

std::string Zone::to_string(std::string (*name)(Var)) const {
  if (bottom_) return "bottom";
  std::string out;
  for (std::size_t i = 0; i < vars_.size(); ++i) {
    for (std::size_t j = 0; j < vars_.size(); ++j) {
      if (i == j || at(i, j) == kInf) continue;
      if (vars_[i] == kZero || vars_[j] == kZero) continue;  // bounds live in the intervals
      if (!out.empty()) out += ", ";
      out += name(vars_[j]) + "-" + name(vars_[i]) + "<=" + std::to_string(at(i, j));
    }
  }
  return out;
}

}  // namespace xbpf::verifier
