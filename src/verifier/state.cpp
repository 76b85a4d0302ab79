#include "verifier/state.h"

#include <algorithm>
#include <sstream>
#include <tuple>

namespace xbpf::verifier {

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::uninit: return "uninitialized";
    case Kind::number: return "number";
    case Kind::ctx: return "ctx";
    case Kind::stack: return "stack";
    case Kind::packet: return "packet";
    case Kind::packet_end: return "packet_end";
    case Kind::map_value: return "map_value";
    case Kind::map_ptr: return "map";
    case Kind::func: return "func";
    case Kind::ringbuf_mem: return "ringbuf_mem";
    case Kind::socket: return "socket";
    case Kind::sock_common: return "sock_common";
    case Kind::tcp_sock: return "tcp_sock";
    case Kind::flow_keys: return "flow_keys";
    case Kind::btf_id: return "btf_id";
    case Kind::packet_neg: return "negated packet pointer";
    case Kind::size_minus: return "packet_size minus";
    case Kind::mixed: return "mixed";
  }
  return "?";
}

std::string Vars::name(Zone::Var var) {
  if (var == Zone::kZero) return "0";
  if (var == packet_size) return "packet_size";
  if (var == meta_offset) return "meta_offset";
  if (var >= kLoopDown) return "-loop@" + std::to_string(var - kLoopDown);
  if (var >= kLoopScaled) {
    const auto index = var - kLoopScaled;
    return "loop@" + std::to_string(index / kMaxStrides) + "*s" +
           std::to_string(index % kMaxStrides);
  }
  if (var >= 8192) return "loop@" + std::to_string(var - 8192);
  if (var >= 256) {
    const auto index = var - 256;
    const auto frame = index / kStackBytes;
    return "s" + (frame ? std::to_string(frame) + "." : std::string()) + "[" +
           std::to_string(index % kStackBytes) + "]";
  }
  const auto index = var - 16;
  const auto frame = index / 16;
  const std::string prefix = frame ? "f" + std::to_string(frame) + "." : std::string();
  if (index % 16 == 11) return prefix + "init_lo";
  if (index % 16 == 12) return prefix + "init_hi";
  return prefix + "r" + std::to_string(index % 16);
}

std::optional<std::int64_t> zone_lower(const Scalar& s) {
  if (s.smin() <= -Zone::kLimit) return std::nullopt;
  return s.smin();
}

std::optional<std::int64_t> zone_upper(const Scalar& s) {
  if (s.smax() >= Zone::kLimit) return std::nullopt;
  return s.smax();
}

void zone_set(Zone& zone, Zone::Var var, const Scalar& value) {
  zone.assign_range(var, zone_lower(value), zone_upper(value));
}

namespace {

bool has_offset(Kind kind) { return kind != Kind::uninit && kind != Kind::mixed; }

// Tightens `value` to the zone's bounds of `var`; false when it becomes empty.
bool tighten(const Zone& zone, Zone::Var var, Scalar& value) {
  const auto [lo, hi] = zone.range(var);
  if (!lo && !hi) return true;
  value.restrict_signed(lo.value_or(INT64_MIN), hi.value_or(INT64_MAX));
  return !value.is_bottom();
}

const std::bitset<kStackBytes>& frame_init(const State* s, const Reg& reg) {
  static const std::bitset<kStackBytes> kNone;
  if (!s || reg.kind != Kind::stack || reg.region >= s->stacks.size()) return kNone;
  return s->stacks[reg.region].init;
}

// `sa`: the state `a` belongs to (its initialised stack bytes hold where `a` is a stack
// member, and may cover what a member of `b` keeps).
bool reg_leq(const Reg& a, const Reg& b, const State* sa) {
  if (b.kind == Kind::uninit) return true;
  if (a.kind == Kind::uninit) return false;
  if (b.kind == Kind::mixed) {
    if (!b.types) return true;
    // Every value of `a` (each member) is a value of some member of `b`, with the initialised
    // bytes that member keeps.
    auto covered = [&](const Reg& m, const std::bitset<kStackBytes>& init) {
      for (std::size_t i = 0; i < b.types->members.size(); ++i) {
        if (reg_leq(m, b.types->members[i], nullptr) &&
            (b.types->init[i] & ~(init | frame_init(sa, m))).none())
          return true;
      }
      return false;
    };
    if (a.kind != Kind::mixed) return covered(a, {});
    if (!a.types) return false;
    for (std::size_t i = 0; i < a.types->members.size(); ++i) {
      if (!covered(a.types->members[i], a.types->init[i])) return false;
    }
    return true;
  }
  if (a.kind == Kind::mixed) return false;
  if (a.kind != b.kind || a.region != b.region || a.size != b.size) return false;
  if (a.nullable && !b.nullable) return false;
  if (b.id != 0 && a.id != b.id) return false;
  return b.num.includes(a.num);
}

template <class F>
void for_each_numeric(State& s, F&& f) {
  for (int r = 0; r < 11; ++r) f(Vars::reg(s.frame, r), s.regs[static_cast<std::size_t>(r)]);
  for (std::size_t frame = 0; frame < s.callers.size(); ++frame) {
    for (int r = 0; r < 11; ++r)
      f(Vars::reg(static_cast<int>(frame), r), s.callers[frame][static_cast<std::size_t>(r)]);
  }
  for (std::size_t frame = 0; frame < s.stacks.size(); ++frame) {
    for (auto& [offset, cell] : s.stacks[frame].cells)
      f(Vars::cell(static_cast<int>(frame), offset), cell.value);
  }
}

}  // namespace

bool Reg::may_be_type() const {
  switch (kind) {
    case Kind::number: return true;
    case Kind::ctx:
    case Kind::stack:
    case Kind::packet:
    case Kind::map_value: return !nullable;
    default: return false;
  }
}

bool Reg::operator==(const Reg& other) const {
  return kind == other.kind && nullable == other.nullable && region == other.region &&
         size == other.size && id == other.id && num == other.num &&
         (types == other.types || (types && other.types && *types == *other.types));
}

bool TypeSet::operator==(const TypeSet& other) const {
  return members == other.members && init == other.init && selector == other.selector &&
         label_count == other.label_count && labels == other.labels;
}

std::optional<std::size_t> TypeSet::member_of(unsigned l) const {
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!((labels[i] >> l) & 1U)) continue;
    if (found) return std::nullopt;
    found = i;
  }
  return found;
}

Reg join_types(const Reg& a, const Reg& b, const State* sa, const State* sb, State& into) {
  TypeSet set;
  auto add = [&](const Reg& m, const std::bitset<kStackBytes>& init) {
    if (!m.may_be_type()) return false;
    for (std::size_t i = 0; i < set.members.size(); ++i) {
      if (set.members[i].same_region(m)) {
        set.members[i].num = set.members[i].num.join(m.num);
        set.init[i] &= init;
        return true;
      }
    }
    Reg t = m;
    t.id = 0;  // not a reference and never NULL (may_be_type): the id has no use left
    set.members.push_back(std::move(t));
    set.init.push_back(m.kind == Kind::stack ? init : std::bitset<kStackBytes>());
    return set.members.size() <= kMaxTypes;
  };
  auto add_all = [&](const Reg& r, const State* s) {
    if (r.kind != Kind::mixed) return add(r, frame_init(s, r));
    if (!r.types) return false;
    for (std::size_t i = 0; i < r.types->members.size(); ++i) {
      const Reg& m = r.types->members[i];
      if (!add(m, r.types->init[i] | frame_init(s, m))) return false;
    }
    return true;
  };
  if (!add_all(a, sa) || !add_all(b, sb)) return Reg::opaque();
  if (set.members.size() == 1) return set.members.front();
  std::vector<std::size_t> order(set.members.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const Reg &p = set.members[x], &q = set.members[y];
    return std::tie(p.kind, p.region, p.size) < std::tie(q.kind, q.region, q.size);
  });
  TypeSet sorted;
  for (std::size_t i : order) {
    sorted.members.push_back(std::move(set.members[i]));
    sorted.init.push_back(set.init[i]);
  }
  Reg r = Reg::opaque();
  r.types = into.own(std::move(sorted));
  return r;
}

const Reg& select_type(State& s, const TypeSet& set, std::size_t m) {
  const Reg& value = set.members[m];
  if (value.kind == Kind::stack && value.region < s.stacks.size())
    s.stacks[value.region].init |= set.init[m];
  return value;
}

Reg join_reg(const Reg& a, const Reg& b, const State* sa, const State* sb, State& into) {
  if (a.kind == Kind::uninit || b.kind == Kind::uninit) return Reg{};
  // NULL (the number 0, as a null check leaves it) joined with a pointer: a nullable pointer.
  auto is_null = [](const Reg& r) { return r.kind == Kind::number && r.num.as_constant() == 0; };
  // (Not values derived from the packet's address: they may be anything, 0 included.)
  auto nullable_kind = [](Kind k) {
    return is_pointer(k) && k != Kind::stack && k != Kind::ctx && k != Kind::packet_neg &&
           k != Kind::size_minus;
  };
  if (nullable_kind(a.kind) && is_null(b)) {
    Reg r = a;
    r.nullable = true;
    return r;
  }
  if (nullable_kind(b.kind) && is_null(a)) {
    Reg r = b;
    r.nullable = true;
    return r;
  }
  if (!a.same_region(b) || a.kind == Kind::mixed) return join_types(a, b, sa, sb, into);
  Reg r = a;
  r.nullable = a.nullable || b.nullable;
  if (a.id != b.id) {
    // References must be the same on both sides to stay releasable.
    if (a.kind == Kind::ringbuf_mem || a.kind == Kind::socket) return Reg::opaque();
    r.id = 0;
  }
  r.num = a.num.join(b.num);
  return r;
}

void State::set_reg(int r, Reg value) {
  const Zone::Var var = reg_var(*this, r);
  zone.forget(var);
  if (value.kind == Kind::packet_end) {
    value.num = alu64(isa::Sem::add, packet_size,
                      Scalar::constant(static_cast<std::uint64_t>(value.end_offset())));
    zone.assign(var, Vars::packet_size, value.end_offset());
  } else if (has_offset(value.kind)) {
    zone_set(zone, var, value.num);
  }
  regs[static_cast<std::size_t>(r)] = std::move(value);
}

void State::push_bounds() {
  // The Scalars' bounds (widened with thresholds) back into the zone, which widens without.
  auto push = [&](Zone::Var var, const Scalar& value) {
    if (auto hi = zone_upper(value)) zone.add(var, Zone::kZero, *hi);
    if (auto lo = zone_lower(value)) zone.add(Zone::kZero, var, -*lo);
  };
  push(Vars::packet_size, packet_size);
  push(Vars::meta_offset, meta_offset);
  for_each_numeric(*this, [&](Zone::Var var, Reg& reg) {
    if (has_offset(reg.kind) && reg.kind != Kind::packet_end) push(var, reg.num);
  });
}

bool State::add_relation(Zone::Var x, Zone::Var y, std::int64_t c) {
  zone.add(x, y, c);
  if (zone.is_bottom()) return false;
  return sync_from_zone();
}

bool State::sync_from_zone() {
  if (zone.is_bottom()) return false;
  bool ok = tighten(zone, Vars::packet_size, packet_size) &&
            tighten(zone, Vars::meta_offset, meta_offset);
  for_each_numeric(*this, [&](Zone::Var var, Reg& reg) {
    if (ok && has_offset(reg.kind) && reg.kind != Kind::packet_end)
      ok = tighten(zone, var, reg.num);
  });
  return ok;
}

void State::note_stack_write(int region, Zone::Var base, std::int64_t off, unsigned width,
                             bool restart) {
  const Zone::Var lo = Vars::init_lo(region), hi = Vars::init_hi(region);
  const auto w = static_cast<std::int64_t>(width);
  if (zone.has(hi) && zone.has(lo)) {
    // base + off == hi: the range grows up; base + off + width == lo: down.
    const auto a = zone.bound(base, hi), b = zone.bound(hi, base);
    if (a && b && *a <= -off && *b <= off) {
      zone.assign(hi, hi, w);
      return;
    }
    const auto c = zone.bound(base, lo), d = zone.bound(lo, base);
    if (c && d && *c <= -off - w && *d <= off + w) {
      zone.assign(lo, lo, -w);
      return;
    }
    if (!restart) return;
    materialize_init(region);
  }
  zone.assign(lo, base, off);
  zone.assign(hi, base, off + w);
}

void State::materialize_init(int region) {
  if (static_cast<std::size_t>(region) >= stacks.size()) return;
  const auto lo = zone.upper(Vars::init_lo(region));
  const auto hi = zone.lower(Vars::init_hi(region));
  if (!lo || !hi) return;
  auto& init = stacks[static_cast<std::size_t>(region)].init;
  for (std::int64_t b = std::max<std::int64_t>(*lo, 0);
       b < std::min<std::int64_t>(*hi, kStackBytes); ++b)
    init.set(static_cast<std::size_t>(b));
}

namespace {

// An absent initialised range is an empty one, which may sit anywhere: where `other`'s is
// (related to the same variable), so that a join keeps the relation. False when unchanged.
bool align_init(State& s, const State& other) {
  bool changed = false;
  thread_local std::vector<std::pair<Zone::Var, std::int64_t>> equal, equal_lo;
  const std::size_t frames = std::min(s.stacks.size(), other.stacks.size());
  for (std::size_t f = 0; f < frames; ++f) {
    const int frame = static_cast<int>(f);
    const Zone::Var lo = Vars::init_lo(frame), hi = Vars::init_hi(frame);
    if (s.zone.has(hi) || !other.zone.has(hi)) continue;
    // Candidates: the empty range sits where the other's ends (hi = y + c) or starts.
    other.zone.equalities(hi, equal);
    other.zone.equalities(lo, equal_lo);
    equal.insert(equal.end(), equal_lo.begin(), equal_lo.end());
    std::erase_if(equal, [&](const auto& e) { return e.first == lo || e.first == hi; });
    // Each candidate keeps the relations whose differences agree here too (constants equal on
    // both sides aside, which agree with anything): the one that keeps most wins.
    std::optional<std::pair<Zone::Var, std::int64_t>> best;
    int best_score = -1;
    for (std::size_t k = 0; k < equal.size(); ++k) {
      const auto [var, c] = equal[k];
      if (var != Zone::kZero && !s.zone.has(var)) continue;
      int score = 0;
      for (std::size_t m = 0; m < equal.size(); ++m) {
        const auto [other_var, d] = equal[m];
        if (m == k || other_var == var) continue;
        const auto mine = s.zone.range(other_var), theirs = other.zone.range(other_var);
        if (other_var != Zone::kZero && mine.first && mine.first == mine.second && mine == theirs)
          continue;
        // anchor - var == c and anchor - other_var == d: other_var - var == c - d here too?
        const auto up = s.zone.bound(other_var, var), down = s.zone.bound(var, other_var);
        score += up && down && *up == c - d && *down == d - c;
      }
      if (score > best_score) {
        best.emplace(var, c);
        best_score = score;
      }
    }
    if (!best) continue;
    s.zone.assign(hi, best->first, best->second);
    s.zone.assign(lo, hi, 0);
    changed = true;
  }
  return changed;
}

// Each location of a state (registers of every frame, stack cells) with its value in two
// other states of the same shape (nullptr when absent there).
template <class F>
void for_each_location(State& r, const State& a, const State& b, F&& f) {
  for (std::size_t i = 0; i < 11; ++i) f(r.regs[i], &a.regs[i], &b.regs[i]);
  for (std::size_t fr = 0; fr < r.callers.size(); ++fr) {
    for (std::size_t i = 0; i < 11; ++i) f(r.callers[fr][i], &a.callers[fr][i], &b.callers[fr][i]);
  }
  for (std::size_t fr = 0; fr < r.stacks.size(); ++fr) {
    for (auto& [offset, cell] : r.stacks[fr].cells) {
      auto ia = a.stacks[fr].cells.find(offset);
      auto ib = b.stacks[fr].cells.find(offset);
      f(cell.value, ia == a.stacks[fr].cells.end() ? nullptr : &ia->second.value,
        ib == b.stacks[fr].cells.end() ? nullptr : &ib->second.value);
    }
  }
}

// The selector a state's values carry (the first found; values of another one lose theirs in a
// join).
const TypeSet* some_selector(const State& s) {
  auto check = [](const Reg& v) { return v.has_types() && v.types->selector != 0; };
  for (const Reg& v : s.regs) {
    if (check(v)) return v.types;
  }
  for (const auto& frame : s.callers) {
    for (const Reg& v : frame) {
      if (check(v)) return v.types;
    }
  }
  for (const auto& stack : s.stacks) {
    for (const auto& [offset, cell] : stack.cells) {
      if (check(cell.value)) return cell.value.types;
    }
  }
  return nullptr;
}

// The type sets of join `r` of `a` and `b`: the labels of `a`'s paths (those of its selector,
// or one), then of `b`'s; a value with the same member on all the paths of a side (a plain
// value) has it for each of that side's labels.
void correlate(State& r, const State& a, const State& b) {
  if (r.type_sets.empty()) return;  // no type set made or kept
  const TypeSet* sa = some_selector(a);
  const TypeSet* sb = some_selector(b);
  const unsigned ka = sa ? sa->label_count : 1, kb = sb ? sb->label_count : 1;
  if (ka + kb > kMaxLabels) return;
  thread_local std::uint64_t next_selector = 0;
  std::uint64_t id = 0;
  // The labels (shifted by `shift`) of a side's value `v` for member `m`; false when `v` has no
  // relation with that side's selector.
  auto side = [](const Reg* v, const TypeSet* sel, unsigned k, unsigned shift, const Reg& m,
                 std::uint8_t& out) {
    if (!v || v->kind == Kind::uninit || (v->kind == Kind::mixed && !v->types)) return false;
    if (!v->has_types()) {
      if (v->same_region(m)) out |= static_cast<std::uint8_t>(((1U << k) - 1) << shift);
      return true;
    }
    if (!sel || v->types->selector != sel->selector) return false;
    for (std::size_t i = 0; i < v->types->members.size(); ++i) {
      if (v->types->members[i].same_region(m))
        out |= static_cast<std::uint8_t>(v->types->labels[i] << shift);
    }
    return true;
  };
  for_each_location(r, a, b, [&](Reg& v, const Reg* va, const Reg* vb) {
    if (!v.has_types()) return;
    std::vector<std::uint8_t> labels(v.types->members.size(), 0);
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const Reg& m = v.types->members[i];
      if (!side(va, sa, ka, 0, m, labels[i]) || !side(vb, sb, kb, ka, m, labels[i])) return;
    }
    TypeSet set = *v.types;
    set.labels = std::move(labels);
    set.label_count = static_cast<std::uint8_t>(ka + kb);
    for (unsigned l = 0; l < ka + kb; ++l) {
      if (!set.member_of(l)) return;
    }
    if (id == 0) id = ++next_selector;
    set.selector = id;
    v.types = r.own(std::move(set));
  });
}

// The relations of `b`'s type sets hold in `a`: for each selector of `b`, every choice of
// `a`'s paths (a label of `a`'s selector, or the one choice where the values are plain) gives
// values that the members of one label of `b` cover.
bool correlations_hold(const State& a, const State& b) {
  if (b.type_sets.empty() || !some_selector(b)) return true;
  std::vector<std::pair<const Reg*, const Reg*>> locations;  // (a's value, b's), b related
  auto add = [&](const Reg& va, const Reg& vb) {
    if (vb.has_types() && vb.types->selector != 0) locations.emplace_back(&va, &vb);
  };
  for (std::size_t i = 0; i < 11; ++i) add(a.regs[i], b.regs[i]);
  for (std::size_t f = 0; f < b.callers.size() && f < a.callers.size(); ++f) {
    for (std::size_t i = 0; i < 11; ++i) add(a.callers[f][i], b.callers[f][i]);
  }
  for (std::size_t f = 0; f < b.stacks.size() && f < a.stacks.size(); ++f) {
    for (const auto& [offset, cell] : b.stacks[f].cells) {
      auto it = a.stacks[f].cells.find(offset);
      if (it == a.stacks[f].cells.end()) return false;
      add(it->second.value, cell.value);
    }
  }
  std::vector<std::uint64_t> done;
  for (const auto& [first_a, first_b] : locations) {
    const std::uint64_t selector = first_b->types->selector;
    if (std::find(done.begin(), done.end(), selector) != done.end()) continue;
    done.push_back(selector);
    const TypeSet* ta = nullptr;
    for (const auto& [va, vb] : locations) {
      if (vb->types->selector != selector) continue;
      if (va->kind == Kind::mixed) {
        if (!va->types || va->types->selector == 0) return false;
        if (ta && ta->selector != va->types->selector) return false;
        ta = va->types;
      }
    }
    const unsigned worlds = ta ? ta->label_count : 1;
    const unsigned choices = first_b->types->label_count;
    for (unsigned w = 0; w < worlds; ++w) {
      bool covered = false;
      for (unsigned l = 0; l < choices && !covered; ++l) {
        covered = true;
        for (const auto& [va, vb] : locations) {
          if (vb->types->selector != selector) continue;
          const Reg* x = va;
          if (va->kind == Kind::mixed) {
            const auto m = va->types->member_of(w);
            if (!m) return false;
            x = &va->types->members[*m];
          }
          const auto mb = vb->types->member_of(l);
          if (!mb || !reg_leq(*x, vb->types->members[*mb], nullptr)) {
            covered = false;
            break;
          }
        }
      }
      if (!covered) return false;
    }
  }
  return true;
}

bool init_differs(const State& a, const State& b) {
  const std::size_t frames = std::min(a.stacks.size(), b.stacks.size());
  for (std::size_t f = 0; f < frames; ++f) {
    const Zone::Var hi = Vars::init_hi(static_cast<int>(f));
    if (a.zone.has(hi) != b.zone.has(hi)) return true;
  }
  return false;
}

}  // namespace

State State::join(const State& other) const {
  if (bottom) return other;
  if (other.bottom) return *this;
  if (init_differs(*this, other)) {
    State a = *this, b = other;
    const bool moved_a = align_init(a, other);
    const bool moved_b = align_init(b, *this);
    if (moved_a || moved_b) return a.join(b);
  }
  State r;
  r.frame = frame;
  for (std::size_t i = 0; i < 11; ++i)
    r.regs[i] = join_reg(regs[i], other.regs[i], this, &other, r);
  r.callers.resize(callers.size());
  for (std::size_t f = 0; f < callers.size(); ++f) {
    for (std::size_t i = 0; i < 11; ++i)
      r.callers[f][i] = join_reg(callers[f][i], other.callers[f][i], this, &other, r);
  }
  r.stacks.resize(stacks.size());
  for (std::size_t f = 0; f < stacks.size(); ++f) {
    const StackFrame& a = stacks[f];
    const StackFrame& b = other.stacks[f];
    StackFrame& out = r.stacks[f];
    out.init = a.init & b.init;
    for (const auto& [offset, cell] : a.cells) {
      auto it = b.cells.find(offset);
      if (it == b.cells.end() || it->second.width != cell.width) continue;
      Reg v = join_reg(cell.value, it->second.value, this, &other, r);
      if (v.kind == Kind::uninit) continue;
      out.cells.emplace(offset, Cell{cell.width, v});
    }
  }
  correlate(r, *this, other);
  r.zone = zone.join(other.zone);
  r.packet_size = packet_size.join(other.packet_size);
  r.meta_offset = meta_offset.join(other.meta_offset);
  std::set_union(references.begin(), references.end(), other.references.begin(),
                 other.references.end(), std::back_inserter(r.references));
  r.lock = lock == other.lock ? lock : LockState::maybe;
  // Variables of locations that hold no number or offset any more.
  for_each_numeric(r, [&](Zone::Var var, Reg& reg) {
    if (!has_offset(reg.kind)) r.zone.forget(var);
  });
  return r;
}

State State::widen(const State& next, std::span<const std::int64_t> thresholds) const {
  if (bottom) return next;
  if (next.bottom) return *this;
  State r = join(next);
  auto widen_reg = [&](const Reg& old, Reg& reg) {
    if (has_offset(reg.kind) && old.kind == reg.kind) reg.num = old.num.widen(reg.num, thresholds);
    if (!reg.has_types()) return;
    // Each member widens against the old value of its region (the set itself only grows, up
    // to kMaxTypes, then becomes opaque).
    TypeSet set = *reg.types;
    for (Reg& m : set.members) {
      auto widen_from = [&](const Reg& o) {
        if (o.same_region(m)) m.num = o.num.widen(m.num, thresholds);
      };
      if (old.has_types()) {
        std::for_each(old.types->members.begin(), old.types->members.end(), widen_from);
      } else {
        widen_from(old);
      }
    }
    reg.types = r.own(std::move(set));
  };
  for (std::size_t i = 0; i < 11; ++i) widen_reg(regs[i], r.regs[i]);
  for (std::size_t f = 0; f < callers.size(); ++f) {
    for (std::size_t i = 0; i < 11; ++i) widen_reg(callers[f][i], r.callers[f][i]);
  }
  for (std::size_t f = 0; f < stacks.size(); ++f) {
    for (auto& [offset, cell] : r.stacks[f].cells) {
      auto it = stacks[f].cells.find(offset);
      if (it != stacks[f].cells.end()) widen_reg(it->second.value, cell.value);
    }
  }
  r.packet_size = packet_size.widen(r.packet_size, thresholds);
  r.meta_offset = meta_offset.widen(r.meta_offset, thresholds);
  r.zone = zone.widen(r.zone);
  r.push_bounds();
  return r;
}

State State::narrow(const State& next) const {
  if (bottom || next.bottom) return next;
  State r = next;
  auto narrow_reg = [&](const Reg& old, Reg& reg) {
    if (has_offset(reg.kind) && old.kind == reg.kind) reg.num = old.num.narrow(reg.num);
  };
  for (std::size_t i = 0; i < 11; ++i) narrow_reg(regs[i], r.regs[i]);
  for (std::size_t f = 0; f < callers.size() && f < r.callers.size(); ++f) {
    for (std::size_t i = 0; i < 11; ++i) narrow_reg(callers[f][i], r.callers[f][i]);
  }
  r.zone = zone.narrow(next.zone);
  if (!r.sync_from_zone()) return make_bottom();
  return r;
}

bool State::leq(const State& other) const {
  if (bottom) return true;
  if (other.bottom) return false;
  if (init_differs(*this, other)) {
    State a = *this;
    if (align_init(a, other)) return a.leq(other);
  }
  for (std::size_t i = 0; i < 11; ++i) {
    if (!reg_leq(regs[i], other.regs[i], this)) return false;
  }
  for (std::size_t f = 0; f < callers.size(); ++f) {
    for (std::size_t i = 0; i < 11; ++i) {
      if (!reg_leq(callers[f][i], other.callers[f][i], this)) return false;
    }
  }
  for (std::size_t f = 0; f < stacks.size(); ++f) {
    const StackFrame& a = stacks[f];
    const StackFrame& b = other.stacks[f];
    if ((b.init & ~a.init).any()) return false;
    for (const auto& [offset, cell] : b.cells) {
      auto it = a.cells.find(offset);
      if (it == a.cells.end() || it->second.width != cell.width) return false;
      if (!reg_leq(it->second.value, cell.value, this)) return false;
    }
  }
  if (!other.packet_size.includes(packet_size) || !other.meta_offset.includes(meta_offset))
    return false;
  if (!std::includes(other.references.begin(), other.references.end(), references.begin(),
                     references.end()))
    return false;
  if (other.lock != LockState::maybe && other.lock != lock) return false;
  if (!correlations_hold(*this, other)) return false;
  return zone.leq(other.zone);
}

namespace {
std::string value_end_suffix(const Reg& reg) {
  const std::int64_t e = reg.end_offset();
  if (e == 0) return "packet_end";
  return "packet_end " + std::string(e < 0 ? "- " : "+ ") + std::to_string(e < 0 ? -e : e);
}
}  // namespace

std::string describe(const Reg& reg) {
  std::string out(kind_name(reg.kind));
  if (reg.has_types()) {
    out += " {";
    for (std::size_t i = 0; i < reg.types->members.size(); ++i)
      out += (i ? " | " : "") + describe(reg.types->members[i]);
    return out + "}";
  }
  if (reg.kind == Kind::uninit || reg.kind == Kind::mixed) return out;
  if (reg.nullable) out += " or NULL";
  switch (reg.kind) {
    case Kind::number: return out + " " + reg.num.to_string();
    case Kind::map_ptr: return out + " #" + std::to_string(reg.region);
    case Kind::func: return out + " at " + std::to_string(reg.region);
    case Kind::packet_end: return value_end_suffix(reg);
    case Kind::packet_neg: return "-(packet + " + reg.num.to_string() + ")";
    case Kind::size_minus: return "packet_size - " + reg.num.to_string();
    case Kind::stack:
      if (reg.region) out += " (frame " + std::to_string(reg.region) + ")";
      break;
    case Kind::map_value: out += " of map #" + std::to_string(reg.region); break;
    case Kind::ringbuf_mem: out += " of " + std::to_string(reg.size) + " bytes"; break;
    default: break;
  }
  return out + ", offset " + reg.num.to_string();
}

std::string State::describe_reg(int r) const {
  return "r" + std::to_string(r) + " = " + describe(regs[static_cast<std::size_t>(r)]);
}

std::string State::describe_stack() const {
  if (stacks.empty()) return {};
  std::ostringstream out;
  const StackFrame& s = stacks[static_cast<std::size_t>(frame)];
  // Initialised byte ranges, and the cells.
  int start = -1;
  std::string ranges;
  for (int i = 0; i <= kStackBytes; ++i) {
    const bool on = i < kStackBytes && s.init[static_cast<std::size_t>(i)];
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      if (!ranges.empty()) ranges += ", ";
      ranges += "r10" + std::to_string(start - kStackBytes) + ".." + "r10" +
                (i == kStackBytes ? std::string("-0") : std::to_string(i - kStackBytes));
      start = -1;
    }
  }
  out << "stack: initialised " << (ranges.empty() ? "nothing" : ranges);
  for (const auto& [offset, cell] : s.cells) {
    out << "\n  *(u" << cell.width * 8 << " *)(r10 " << (offset - kStackBytes)
        << ") = " << describe(cell.value);
  }
  return out.str();
}

std::string State::to_string(bool relations) const {
  if (bottom) return "unreachable";
  std::ostringstream out;
  for (int r = 0; r < 11; ++r) {
    if (regs[static_cast<std::size_t>(r)].kind != Kind::uninit) out << describe_reg(r) << "\n";
  }
  out << describe_stack() << "\n";
  out << "packet_size " << packet_size.to_string();
  if (!(meta_offset == Scalar::constant(0))) out << ", meta_offset " << meta_offset.to_string();
  if (!references.empty()) {
    out << "\nreferences:";
    for (auto id : references) out << " #" << id;
  }
  if (lock != LockState::none)
    out << "\nspin lock " << (lock == LockState::held ? "held" : "maybe held");
  if (relations) {
    const std::string text = zone.to_string(&Vars::name);
    if (!text.empty()) out << "\nrelations: " << text;
  }
  return out.str();
}

}  // namespace xbpf::verifier
