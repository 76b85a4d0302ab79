#include "verifier/zone.h"

#include <algorithm>
#include <cstring>

namespace xbpf::verifier {
namespace {

// Saturating sum of two bounds (kInf absorbs; beyond the limit counts as unknown).
std::int64_t plus(std::int64_t a, std::int64_t b) {
  if (a == INT64_MAX || b == INT64_MAX) return INT64_MAX;
  const std::int64_t sum = a + b;  // |a|, |b| < 2^61: no overflow
  return sum >= Zone::kLimit ? INT64_MAX : std::max(sum, -Zone::kLimit);
}

}  // namespace

Zone::Zone(const Zone& other)
    : bottom_(other.bottom_),
      used_(other.used_),
      cap_(other.used_),
      keys_(other.keys_),
      order_(other.order_) {
  if (used_ == 0) return;
  matrix_.reset(new std::int64_t[std::size_t{cap_} * cap_]);
  for (Slot p = 0; p < used_; ++p) std::memcpy(row(p), other.row(p), sizeof(std::int64_t) * used_);
}

Zone& Zone::operator=(const Zone& other) {
  if (this != &other) *this = Zone(other);
  return *this;
}

Zone Zone::bottom() {
  Zone z;
  z.bottom_ = true;
  return z;
}

Zone::Slot Zone::slot_of(Var x) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), x,
                             [](const Entry& e, Var v) { return e.var < v; });
  return it != keys_.end() && it->var == x ? it->slot : kNone;
}

bool Zone::has(Var x) const { return slot_of(x) != kNone; }

void Zone::equalities(Var x, std::vector<std::pair<Var, std::int64_t>>& out) const {
  out.clear();
  const Slot i = slot_of(x);
  if (bottom_ || i == kNone) return;
  for (const Entry& e : keys_) {
    if (e.slot == i) continue;
    const std::int64_t up = at(e.slot, i), down = at(i, e.slot);  // x - y <= up, y - x <= down
    if (up != kInf && down != kInf && up == -down) out.emplace_back(e.var, up);
  }
}

Zone::Slot Zone::ensure(Var x) {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), x,
                             [](const Entry& e, Var v) { return e.var < v; });
  if (it != keys_.end() && it->var == x) return it->slot;
  Slot p = kNone;
  if (order_.size() < used_) {
    // A free slot (its diagonal is kInf).
    for (Slot q = 0; q < used_; ++q) {
      if (at(q, q) == kInf) {
        p = q;
        break;
      }
    }
  } else {
    if (used_ == cap_) {
      const Slot cap = std::max<Slot>(8, cap_ + cap_ / 2);
      std::unique_ptr<std::int64_t[]> grown(new std::int64_t[std::size_t{cap} * cap]);
      for (Slot q = 0; q < used_; ++q)
        std::memcpy(grown.get() + std::size_t{q} * cap, row(q), sizeof(std::int64_t) * used_);
      matrix_ = std::move(grown);
      cap_ = cap;
    }
    p = used_++;
    // Its row and column are new: unknown.
    std::fill(row(p), row(p) + used_, kInf);
    for (Slot q = 0; q < used_; ++q) at(q, p) = kInf;
  }
  at(p, p) = 0;
  keys_.insert(it, Entry{x, p});
  order_.push_back(Entry{x, p});
  return p;
}

void Zone::remove(Var x) {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), x,
                             [](const Entry& e, Var v) { return e.var < v; });
  if (it == keys_.end() || it->var != x) return;
  const Slot p = it->slot;
  keys_.erase(it);
  order_.erase(
      std::find_if(order_.begin(), order_.end(), [&](const Entry& e) { return e.slot == p; }));
  std::fill(row(p), row(p) + used_, kInf);
  for (Slot q = 0; q < used_; ++q) at(q, p) = kInf;
  while (used_ > 0 && at(used_ - 1, used_ - 1) == kInf) --used_;
}

void Zone::close_over(Slot i, Slot j) {
  // A new edge i -> j (var(j) - var(i) <= at(i, j)): every u -> i -> j -> v path. The rows
  // that change are those of the u with a path to i; only the v j reaches matter.
  const std::int64_t c = at(i, j);
  thread_local std::vector<std::pair<Slot, std::int64_t>> from, to;
  from.clear();
  to.clear();
  for (Slot u = 0; u < used_; ++u) {
    const std::int64_t ui = at(u, i);
    if (ui == kInf) continue;
    const std::int64_t uj = plus(ui, c);
    if (uj != kInf) from.emplace_back(u, uj);
  }
  const std::int64_t* jrow = row(j);
  for (Slot v = 0; v < used_; ++v) {
    if (jrow[v] != kInf) to.emplace_back(v, jrow[v]);
  }
  // (A row that changes here feeds later ones only through a negative cycle: bottom anyway.)
  if (to.size() * 2 > used_) {
    // Most of j's row is finite: a dense pass over a copy of it, without branches. kInf
    // becomes 2^62, whose sum with any finite bound is beyond the limit: unknown.
    thread_local std::vector<std::int64_t> dense;
    dense.resize(used_);
    for (Slot v = 0; v < used_; ++v) dense[v] = jrow[v] == kInf ? kLimit * 2 : jrow[v];
    const std::int64_t* jv = dense.data();
    const Slot n = used_;
    for (const auto& [u, uj] : from) {
      std::int64_t* urow = row(u);
      for (Slot v = 0; v < n; ++v) {
        const std::int64_t sum = uj + jv[v];
        const std::int64_t uv = sum >= kLimit ? kInf : std::max(sum, -kLimit);
        urow[v] = std::min(urow[v], uv);
      }
    }
  } else {
    for (const auto& [u, uj] : from) {
      std::int64_t* urow = row(u);
      for (const auto& [v, jv] : to) {
        const std::int64_t uv = plus(uj, jv);
        if (uv < urow[v]) urow[v] = uv;
      }
    }
  }
  for (const auto& [u, uj] : from) {
    if (at(u, u) < 0) {
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
  const Slot ix = ensure(x), iy = ensure(y);
  if (c >= at(iy, ix)) return;  // nothing new
  at(iy, ix) = c;
  close_over(iy, ix);
}

std::optional<std::int64_t> Zone::bound(Var x, Var y) const {
  if (bottom_) return std::nullopt;
  if (x == y) return 0;
  const Slot ix = slot_of(x), iy = slot_of(y);
  if (ix == kNone || iy == kNone) return std::nullopt;
  const std::int64_t c = at(iy, ix);
  if (c == kInf) return std::nullopt;
  return c;
}

std::optional<std::int64_t> Zone::lower(Var x) const {
  const std::optional<std::int64_t> c = bound(kZero, x);  // 0 - x <= c
  if (!c) return std::nullopt;
  return -*c;
}

std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>> Zone::range(Var x) const {
  if (bottom_ || x == kZero) return {lower(x), upper(x)};
  // kZero, when present, is the first key.
  if (keys_.empty() || keys_.front().var != kZero) return {};
  const Slot z = keys_.front().slot, ix = slot_of(x);
  if (ix == kNone) return {};
  std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>> r;
  if (const std::int64_t lo = at(ix, z); lo != kInf) r.first = -lo;
  if (const std::int64_t hi = at(z, ix); hi != kInf) r.second = hi;
  return r;
}

void Zone::forget(Var x) {
  if (bottom_ || x == kZero) return;
  remove(x);
}

void Zone::assign(Var x, Var y, std::int64_t c) {
  if (bottom_) return;
  if (c >= kLimit || c <= -kLimit) {
    forget(x);
    return;
  }
  if (x == y) {
    // x := x + c: shift every constraint on x.
    const Slot i = slot_of(x);
    if (i == kNone) return;
    for (Slot k = 0; k < used_; ++k) {
      if (k == i) continue;
      if (at(k, i) != kInf) at(k, i) = plus(at(k, i), c);   // x - k <= d becomes d + c
      if (at(i, k) != kInf) at(i, k) = plus(at(i, k), -c);  // k - x <= d becomes d - c
    }
    return;
  }
  forget(x);
  const Slot iy = ensure(y);
  const Slot ix = ensure(x);
  // x == y + c: copy y's row and column, shifted.
  for (Slot k = 0; k < used_; ++k) {
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
  std::vector<Var> isolated;
  for (const Entry& e : order_) {
    if (e.var == kZero) continue;
    const Slot i = e.slot;
    const std::int64_t* irow = row(i);
    bool related = false;
    for (Slot k = 0; k < used_ && !related; ++k) {
      related = k != i && (at(k, i) != kInf || irow[k] != kInf);
    }
    if (!related) isolated.push_back(e.var);
  }
  for (Var v : isolated) remove(v);
}

void Zone::slots_in(const Zone& other, std::vector<Slot>& out) const {
  out.assign(used_, kNone);
  // Both key lists are sorted: merge.
  auto it = other.keys_.begin();
  for (const Entry& e : keys_) {
    while (it != other.keys_.end() && it->var < e.var) ++it;
    if (it == other.keys_.end()) break;
    if (it->var == e.var) out[e.slot] = it->slot;
  }
}

// The zone over the variables both sides know (in this zone's order), each bound
// combine(mine, theirs): the shared part of join and widen.
template <class Combine>
Zone Zone::pointwise(const Zone& other, Combine combine) const {
  thread_local std::vector<Slot> theirs_of;
  slots_in(other, theirs_of);
  Zone result;
  std::vector<Slot> mine, theirs;
  for (const Entry& e : order_) {
    if (theirs_of[e.slot] == kNone) continue;
    const auto k = static_cast<Slot>(result.order_.size());
    result.order_.push_back(Entry{e.var, k});
    mine.push_back(e.slot);
    theirs.push_back(theirs_of[e.slot]);
  }
  const auto n = static_cast<Slot>(result.order_.size());
  if (n == 0) return result;
  result.keys_ = result.order_;
  std::sort(result.keys_.begin(), result.keys_.end(),
            [](const Entry& a, const Entry& b) { return a.var < b.var; });
  result.used_ = result.cap_ = n;
  result.matrix_.reset(new std::int64_t[std::size_t{n} * n]);
  for (Slot i = 0; i < n; ++i) {
    const std::int64_t* a = row(mine[i]);
    const std::int64_t* b = other.row(theirs[i]);
    std::int64_t* out = result.row(i);
    for (Slot j = 0; j < n; ++j) out[j] = combine(a[mine[j]], b[theirs[j]]);
  }
  result.drop_isolated();
  return result;
}

Zone Zone::join(const Zone& other) const {
  if (bottom_) return other;
  if (other.bottom_) return *this;
  // Only variables known on both sides can keep constraints.
  return pointwise(other, [](std::int64_t a, std::int64_t b) { return std::max(a, b); });
}

Zone Zone::widen(const Zone& next) const {
  if (bottom_) return next;
  if (next.bottom_) return *this;
  // A bound that grew goes to infinity.
  return pointwise(next, [](std::int64_t old, std::int64_t b) { return b > old ? kInf : old; });
}

Zone Zone::narrow(const Zone& next) const {
  if (bottom_ || next.bottom_) return next;
  Zone result = *this;
  for (const Entry& ei : next.order_) {
    for (const Entry& ej : next.order_) {
      const std::int64_t c = next.at(ei.slot, ej.slot);
      if (c == kInf || ei.slot == ej.slot) continue;
      const Slot fi = result.slot_of(ei.var), ti = result.slot_of(ej.var);
      if (fi != kNone && ti != kNone && result.at(fi, ti) != kInf)
        continue;  // only refill what widening dropped
      result.add(ej.var, ei.var, c);
      if (result.bottom_) return next;
    }
  }
  return result;
}

bool Zone::leq(const Zone& other) const {
  if (bottom_) return true;
  if (other.bottom_) return false;
  thread_local std::vector<Slot> mine_of;
  other.slots_in(*this, mine_of);
  for (const Entry& ei : other.keys_) {
    const std::int64_t* theirs = other.row(ei.slot);
    const Slot mi = mine_of[ei.slot];
    for (Slot j = 0; j < other.used_; ++j) {
      if (theirs[j] == kInf || j == ei.slot) continue;
      const Slot mj = mine_of[j];
      if (mi == kNone || mj == kNone) return false;
      const std::int64_t mine = at(mi, mj);
      if (mine == kInf || mine > theirs[j]) return false;
    }
  }
  return true;
}

bool Zone::operator==(const Zone& other) const { return leq(other) && other.leq(*this); }

std::string Zone::to_string(std::string (*name)(Var)) const {
  if (bottom_) return "bottom";
  std::string out;
  for (const Entry& ei : order_) {
    for (const Entry& ej : order_) {
      const std::int64_t c = at(ei.slot, ej.slot);
      if (ei.slot == ej.slot || c == kInf) continue;
      if (ei.var == kZero || ej.var == kZero) continue;  // bounds live in the intervals
      if (!out.empty()) out += ", ";
      out += name(ej.var) + "-" + name(ei.var) + "<=" + std::to_string(c);
    }
  }
  return out;
}

}  // namespace xbpf::verifier
