// The state vocabulary of the verifier YAML cases (../shared/verifier-yaml/README.md) mapped
// onto xbpf's abstract State: constraints are parsed, an entry state is built from `pre`, and a
// computed exit state is checked to entail `post`.
//
// The mapping: `number`, `ctx`, `stack` (frame 0), `packet` are xbpf's kinds; `shared` is a map
// value (of a map made for the case whose value size is the region size); `map_fd` is map 0 (the
// environment's map) and `map_fd_programs` map 1 (a program array); a type set is `mixed` with
// members (Reg::types), opaque when a member cannot be one (a map_fd, a NULL-able pointer).
// For a pointer, `svalue`/`uvalue` is its address: xbpf knows only its offset, so two
// addresses relate when they point into the same region.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "object/object.h"
#include "verifier/state.h"

namespace xbpf::test::yaml {

__extension__ using Wide = __int128;
inline constexpr Wide kMinusInf = -(Wide{1} << 100);
inline constexpr Wide kPlusInf = Wide{1} << 100;

// A variable of the vocabulary.
struct Var {
  enum class Where { reg, stack, packet_size, meta_offset, loop } where = Where::reg;
  int reg = 0;
  int lo = 0, hi = 0;  // stack bytes s[lo...hi]
  std::string field;   // type, svalue, uvalue, ctx_offset, ..., stack_numeric_size
};

struct Constraint {
  enum class Form { bottom, type_is, type_in, type_same, interval, equal, at_most } form;
  Var x;
  std::optional<Var> y;            // equal: x = y + k; at_most: x - y <= k (or x <= k)
  Wide lo = 0, hi = 0, k = 0;      // interval [lo, hi]
  std::vector<std::string> types;  // type_is (one), type_in
};

namespace detail {

inline std::string without_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '\t') out += c;
  }
  return out;
}

inline std::optional<Wide> number(std::string_view text) {
  if (text == "-oo") return kMinusInf;
  if (text == "+oo" || text == "oo") return kPlusInf;
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  Wide value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

inline std::optional<Var> variable(std::string_view text) {
  Var v;
  if (text == "packet_size" || text == "meta_offset") {
    v.where = text == "packet_size" ? Var::Where::packet_size : Var::Where::meta_offset;
    return v;
  }
  if (text.rfind("pc[", 0) == 0) {
    v.where = Var::Where::loop;
    v.field = std::string(text);
    return v;
  }
  const std::size_t dot = text.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  v.field = std::string(text.substr(dot + 1));
  static constexpr std::string_view kFields[] = {"type",
                                                 "svalue",
                                                 "uvalue",
                                                 "ctx_offset",
                                                 "stack_offset",
                                                 "packet_offset",
                                                 "shared_offset",
                                                 "stack_numeric_size",
                                                 "shared_region_size",
                                                 "map_fd",
                                                 "map_fd_programs"};
  if (std::find(std::begin(kFields), std::end(kFields), v.field) == std::end(kFields))
    return std::nullopt;
  std::string_view base = text.substr(0, dot);
  if (base.size() >= 2 && base[0] == 'r') {
    auto n = number(base.substr(1));
    if (!n || *n < 0 || *n > 10) return std::nullopt;
    v.reg = static_cast<int>(*n);
    return v;
  }
  if (base.rfind("s[", 0) == 0 && base.back() == ']') {
    base = base.substr(2, base.size() - 3);
    const std::size_t dots = base.find("...");
    auto lo = number(base.substr(0, dots));
    auto hi = dots == std::string_view::npos ? lo : number(base.substr(dots + 3));
    if (!lo || !hi || *lo < 0 || *hi >= 65536 || *lo > *hi) return std::nullopt;
    v.where = Var::Where::stack;
    v.lo = static_cast<int>(*lo);
    v.hi = static_cast<int>(*hi);
    return v;
  }
  return std::nullopt;
}

// `var`, `var+K`, `var-K` or `K`: the variable (if any) and the constant.
inline bool linear(std::string_view text, std::optional<Var>* var, Wide* k) {
  if (auto n = number(text)) {
    *k = *n;
    return true;
  }
  // The last '+' or '-' that is not the first character splits off a constant.
  for (std::size_t i = text.size(); i-- > 1;) {
    if (text[i] != '+' && text[i] != '-') continue;
    auto n = number(text.substr(i));
    auto v = variable(text.substr(0, i));
    if (n && v) {
      *var = v;
      *k = *n;
      return true;
    }
    break;
  }
  *var = variable(text);
  *k = 0;
  return var->has_value();
}

inline bool type_name(std::string_view name) {
  static constexpr std::string_view kTypes[] = {"number",          "ctx",       "stack",
                                                "packet",          "shared",    "map_fd",
                                                "map_fd_programs", "alloc_mem", "socket"};
  return std::find(std::begin(kTypes), std::end(kTypes), name) != std::end(kTypes);
}

}  // namespace detail

// Parses one constraint; nullopt when outside the vocabulary.
inline std::optional<Constraint> parse_constraint(std::string_view raw) {
  const std::string text = detail::without_spaces(raw);
  Constraint c{Constraint::Form::bottom, {}, {}, 0, 0, 0, {}};
  if (text == "_|_") return c;
  if (const std::size_t in = text.find("in{"); in != std::string::npos && text.back() == '}') {
    auto x = detail::variable(std::string_view(text).substr(0, in));
    if (!x) return std::nullopt;
    c.form = Constraint::Form::type_in;
    c.x = *x;
    std::string_view list = std::string_view(text).substr(in + 3, text.size() - in - 4);
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      c.types.emplace_back(list.substr(0, comma));
      if (!detail::type_name(c.types.back())) return std::nullopt;
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    return c;
  }
  if (const std::size_t le = text.find("<="); le != std::string::npos) {
    auto k = detail::number(std::string_view(text).substr(le + 2));
    if (!k) return std::nullopt;
    std::string_view lhs = std::string_view(text).substr(0, le);
    c.form = Constraint::Form::at_most;
    c.k = *k;
    // x - y: split at a '-' that starts a variable.
    for (std::size_t i = 1; i < lhs.size(); ++i) {
      if (lhs[i] != '-') continue;
      auto x = detail::variable(lhs.substr(0, i));
      auto y = detail::variable(lhs.substr(i + 1));
      if (x && y) {
        c.x = *x;
        c.y = *y;
        return c;
      }
    }
    auto x = detail::variable(lhs);
    if (!x) return std::nullopt;
    c.x = *x;
    return c;
  }
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos) return std::nullopt;
  auto x = detail::variable(std::string_view(text).substr(0, eq));
  if (!x) return std::nullopt;
  c.x = *x;
  std::string_view rhs = std::string_view(text).substr(eq + 1);
  if (x->field == "type") {
    if (auto y = detail::variable(rhs); y && y->field == "type") {
      c.form = Constraint::Form::type_same;
      c.y = y;
    } else {
      c.form = Constraint::Form::type_is;
      c.types.emplace_back(rhs);
      if (!detail::type_name(rhs)) return std::nullopt;
    }
    return c;
  }
  if (!rhs.empty() && rhs.front() == '[' && rhs.back() == ']') {
    const std::size_t comma = rhs.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    auto lo = detail::number(rhs.substr(1, comma - 1));
    auto hi = detail::number(rhs.substr(comma + 1, rhs.size() - comma - 2));
    if (!lo || !hi) return std::nullopt;
    c.form = Constraint::Form::interval;
    c.lo = *lo;
    c.hi = *hi;
    return c;
  }
  std::optional<Var> y;
  Wide k = 0;
  if (!detail::linear(rhs, &y, &k)) return std::nullopt;
  if (!y) {
    c.form = Constraint::Form::interval;
    c.lo = c.hi = k;
    return c;
  }
  c.form = Constraint::Form::equal;
  c.y = y;
  c.k = k;
  return c;
}

// The cases may place r10 anywhere (`r10.stack_offset=4096`): xbpf's frame has r10 at 512, so
// stack offsets and cells move by the difference. A cell below the frame becomes invalid
// (false).
inline bool shift_stack(Constraint* c, Wide shift) {
  auto shift_var = [&](Var& v) {
    if (v.where != Var::Where::stack) return true;
    v.lo -= static_cast<int>(shift);
    v.hi -= static_cast<int>(shift);
    return v.lo >= 0 && v.hi < verifier::kStackBytes;
  };
  if (!shift_var(c->x) || (c->y && !shift_var(*c->y))) return false;
  const bool x_offset = c->x.field == "stack_offset";
  const bool y_offset = c->y && c->y->field == "stack_offset";
  switch (c->form) {
    case Constraint::Form::interval:
      if (x_offset) {
        c->lo -= shift;
        c->hi -= shift;
      }
      break;
    case Constraint::Form::equal:
    case Constraint::Form::at_most:
      if (x_offset) c->k -= shift;
      if (y_offset) c->k += shift;
      break;
    default: break;
  }
  return true;
}

// The shift of shift_stack(): r10's stated offset minus 512. Without r10, offsets beyond 512
// place r10 at 4096 (PREVAIL's eight frames of 512 bytes).
inline Wide stack_shift(const std::vector<Constraint>& pre) {
  Wide highest = 0;
  for (const Constraint& c : pre) {
    if (c.form == Constraint::Form::interval && c.x.where == Var::Where::reg && c.x.reg == 10 &&
        c.x.field == "stack_offset" && c.lo == c.hi)
      return c.lo - verifier::kStackBytes;
    if (c.form == Constraint::Form::interval && c.x.field == "stack_offset")
      highest = std::max(highest, c.hi);
    if (c.x.where == Var::Where::stack) highest = std::max<Wide>(highest, c.x.hi);
  }
  return highest > verifier::kStackBytes ? 4096 - verifier::kStackBytes : 0;
}

// ---- The environment ----

// Map 0: the map every map reference names (key 4, value 4, 4 entries); map 1: a program
// array (map_fd_programs); then one map per `shared` region of the case.
inline std::vector<object::MapDefinition> environment_maps() {
  std::vector<object::MapDefinition> maps(2);
  maps[0].name = "map";
  maps[0].type = 1;
  maps[1].name = "programs";
  maps[1].type = 3;
  for (auto& m : maps) {
    m.key_size = 4;
    m.value_size = 4;
    m.max_entries = 4;
  }
  return maps;
}

inline std::optional<verifier::Kind> kind_named(std::string_view name) {
  using verifier::Kind;
  if (name == "number") return Kind::number;
  if (name == "ctx") return Kind::ctx;
  if (name == "stack") return Kind::stack;
  if (name == "packet") return Kind::packet;
  if (name == "shared") return Kind::map_value;
  if (name == "map_fd" || name == "map_fd_programs") return Kind::map_ptr;
  if (name == "alloc_mem") return Kind::ringbuf_mem;
  if (name == "socket") return Kind::socket;
  if (name == "uninit") return Kind::uninit;
  return std::nullopt;
}

inline bool is_offset_field(std::string_view field) {
  return field == "ctx_offset" || field == "stack_offset" || field == "packet_offset" ||
         field == "shared_offset";
}

inline verifier::Scalar scalar_of(Wide lo, Wide hi, bool is_unsigned) {
  using verifier::Scalar;
  if (is_unsigned) {
    const auto ulo = lo <= 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(lo);
    const auto uhi = hi >= Wide{UINT64_MAX} ? UINT64_MAX : static_cast<std::uint64_t>(hi);
    return Scalar::unsigned_range(ulo, uhi);
  }
  const auto slo = lo <= Wide{INT64_MIN} ? INT64_MIN : static_cast<std::int64_t>(lo);
  const auto shi = hi >= Wide{INT64_MAX} ? INT64_MAX : static_cast<std::int64_t>(hi);
  return Scalar::signed_range(slo, shi);
}

// The entry state `pre` describes, and the maps it needs (appended to `maps`). Constraints
// outside what xbpf's state can say are listed in `unsupported`.
inline verifier::State entry_state(const std::vector<Constraint>& pre,
                                   std::vector<object::MapDefinition>* maps,
                                   std::vector<std::string>* unsupported) {
  using verifier::Kind;
  using verifier::Reg;
  using verifier::Scalar;
  using verifier::State;
  using verifier::Vars;
  using verifier::Zone;
  struct RegFacts {
    std::optional<Kind> kind;
    bool programs = false;
    bool maybe_null = false;  // a pointer whose stated value may be 0
    Scalar value = Scalar::top();
    Scalar offset = Scalar::top();
    std::map<std::string, Scalar> offsets;  // by field (ctx_offset, ...): a type set's members
    std::vector<std::string> types;         // a type set
    Wide region_size = 0;
  };
  std::array<RegFacts, 11> regs{};
  State s;
  s.stacks.resize(1);
  s.packet_size = Scalar::unsigned_range(0, 0xffff);
  s.meta_offset = Scalar::constant(0);
  bool meta_stated = false;
  auto note = [&](const Constraint& c, std::string why) {
    unsupported->push_back(c.x.field + ": " + std::move(why));
  };
  // Kinds and bounds first.
  for (const Constraint& c : pre) {
    const Var& x = c.x;
    if (x.where == Var::Where::reg) {
      RegFacts& r = regs[static_cast<std::size_t>(x.reg)];
      if (c.form == Constraint::Form::type_is) {
        r.kind = kind_named(c.types[0]);
        r.programs = c.types[0] == "map_fd_programs";
        if (!r.kind) note(c, "unknown type " + c.types[0]);
      } else if (c.form == Constraint::Form::type_in) {
        r.kind = Kind::mixed;
        r.types = c.types;
      } else if (c.form == Constraint::Form::interval) {
        if ((x.field == "svalue" || x.field == "uvalue") && c.lo <= 0 && c.hi >= 0)
          r.maybe_null = true;
        if (x.field == "svalue") {
          r.value = r.value.meet(scalar_of(c.lo, c.hi, false));
        } else if (x.field == "uvalue") {
          r.value = r.value.meet(scalar_of(c.lo, c.hi, true));
        } else if (is_offset_field(x.field)) {
          r.offset = r.offset.meet(scalar_of(c.lo, c.hi, false));
          auto [it, fresh] = r.offsets.emplace(x.field, Scalar::top());
          it->second = it->second.meet(scalar_of(c.lo, c.hi, false));
        } else if (x.field == "shared_region_size") {
          r.region_size = c.lo;
        } else if (x.field != "map_fd") {
          note(c, "not modelled in an entry state");
        }
      }
    } else if (x.where == Var::Where::packet_size && c.form == Constraint::Form::interval) {
      s.packet_size = s.packet_size.meet(scalar_of(c.lo, c.hi, false));
    } else if (x.where == Var::Where::meta_offset && c.form == Constraint::Form::interval) {
      s.meta_offset = scalar_of(c.lo, c.hi, false);
      meta_stated = true;
    }
  }
  if (!meta_stated) {
    for (const Constraint& c : pre) {
      if (c.x.where == Var::Where::meta_offset || (c.y && c.y->where == Var::Where::meta_offset))
        s.meta_offset = Scalar::signed_range(-4096, 0);
    }
  }
  verifier::zone_set(s.zone, Vars::packet_size, s.packet_size);
  verifier::zone_set(s.zone, Vars::meta_offset, s.meta_offset);
  for (int i = 0; i < 11; ++i) {
    const RegFacts& r = regs[static_cast<std::size_t>(i)];
    if (!r.kind || *r.kind == Kind::uninit) continue;
    auto shared_map = [&]() {
      object::MapDefinition m = (*maps)[0];
      m.name = "shared";
      m.type = 2;
      m.value_size = static_cast<std::uint32_t>(std::clamp<Wide>(r.region_size, 0, 1 << 20));
      maps->push_back(m);
      return static_cast<std::uint32_t>(maps->size() - 1);
    };
    if (*r.kind == Kind::mixed) {
      // A type set: one member per type, each with its offset (or value); a pointer that may
      // be NULL is not a member, so the set stays opaque.
      Reg set;
      bool opaque = r.types.empty();
      for (const std::string& name : r.types) {
        const auto kind = kind_named(name);
        Reg m;
        if (kind == Kind::number) {
          m = Reg::number(r.value);
        } else if (kind == Kind::ctx || kind == Kind::stack || kind == Kind::packet ||
                   kind == Kind::map_value) {
          const std::string field = name == "shared" ? "shared_offset" : name + "_offset";
          auto it = r.offsets.find(field);
          m = Reg::pointer(*kind, 0, it == r.offsets.end() ? Scalar::top() : it->second);
          if (kind == Kind::map_value) m.region = shared_map();
          if (r.maybe_null && (kind == Kind::packet || kind == Kind::map_value)) opaque = true;
        } else {
          opaque = true;
        }
        if (m.num.is_bottom()) return State::make_bottom();
        set = set.kind == Kind::uninit ? m : verifier::join_types(set, m, nullptr, nullptr, s);
      }
      s.set_reg(i, opaque ? Reg::opaque() : set);
      continue;
    }
    Reg reg;
    reg.kind = *r.kind;
    if (*r.kind == Kind::number) {
      reg.num = r.value;
    } else if (*r.kind == Kind::mixed) {
      reg.num = Scalar::top();
    } else if (*r.kind == Kind::map_ptr) {
      reg.region = r.programs ? 1 : 0;
      reg.num = Scalar::constant(0);
    } else {
      reg.num = r.offset;
    }
    if (*r.kind == Kind::map_value) reg.region = shared_map();
    if (reg.num.is_bottom()) return State::make_bottom();
    // PREVAIL's pointers are addresses: one that may be 0 is NULL or a pointer.
    reg.nullable = verifier::is_pointer(reg.kind) && reg.kind != Kind::ctx &&
                   reg.kind != Kind::stack && r.maybe_null;
    s.set_reg(i, reg);
  }
  // The stack.
  for (const Constraint& c : pre) {
    if (c.x.where != Var::Where::stack) continue;
    const int lo = c.x.lo, hi = c.x.hi, width = hi - lo + 1;
    if (c.form == Constraint::Form::type_is && c.types[0] == "number") {
      for (int b = lo; b <= hi; ++b) s.stacks[0].init.set(static_cast<std::size_t>(b));
    } else if (c.form == Constraint::Form::interval &&
               (c.x.field == "svalue" || c.x.field == "uvalue") &&
               (width == 1 || width == 2 || width == 4 || width == 8)) {
      auto& cell = s.stacks[0].cells[static_cast<std::uint16_t>(lo)];
      if (cell.value.kind != Kind::number)
        cell = {static_cast<std::uint8_t>(width), Reg::number(Scalar::top())};
      cell.value.num = cell.value.num.meet(scalar_of(c.lo, c.hi, c.x.field == "uvalue"));
      if (cell.value.num.is_bottom()) return State::make_bottom();
      verifier::zone_set(s.zone, Vars::cell(0, lo), cell.value.num);
    } else {
      note(c, "stack constraint not modelled");
    }
  }
  // Relations.
  auto zone_var = [&](const Var& v) -> std::optional<Zone::Var> {
    switch (v.where) {
      case Var::Where::reg: return Vars::reg(0, v.reg);
      case Var::Where::packet_size: return Vars::packet_size;
      case Var::Where::meta_offset: return Vars::meta_offset;
      default: return std::nullopt;
    }
  };
  for (const Constraint& c : pre) {
    if (c.form != Constraint::Form::equal && c.form != Constraint::Form::at_most) continue;
    if (c.form == Constraint::Form::equal && c.y && c.x.where == Var::Where::reg &&
        c.y->where == Var::Where::reg && c.x.reg == c.y->reg && c.k == 0) {
      // rN.uvalue = rN.svalue: the value is not negative.
      Reg reg = s.regs[static_cast<std::size_t>(c.x.reg)];
      if (reg.kind == Kind::number) {
        reg.num.restrict_signed(0, INT64_MAX);
        if (reg.num.is_bottom()) return State::make_bottom();
        s.set_reg(c.x.reg, reg);
      }
      continue;
    }
    const auto x = zone_var(c.x);
    const auto y = c.y ? zone_var(*c.y) : std::optional<Zone::Var>(Zone::kZero);
    if (!x || !y || c.k > Zone::kLimit || c.k < -Zone::kLimit) {
      note(c, "relation not modelled");
      continue;
    }
    const auto k = static_cast<std::int64_t>(c.k);
    bool ok = s.add_relation(*x, *y, k);
    if (c.form == Constraint::Form::equal) ok = ok && s.add_relation(*y, *x, -k);
    if (!ok) return State::make_bottom();
  }
  if (!s.sync_from_zone()) return State::make_bottom();
  return s;
}

// ---- Entailment ----

// Loop counters by the instruction index of their loop head (Report::loop_counters).
using Counters = std::map<int, verifier::Zone::Var>;

namespace detail {

// What a state says about a variable's value.
struct Known {
  bool known = false;
  Wide lo = kMinusInf, hi = kPlusInf;
  std::optional<verifier::Zone::Var> var;         // a zone variable equal to it
  std::optional<verifier::Zone::Var> svalue_var;  // a number's (signed) zone variable
  int half = 0;    // a number's sign half: 1 not negative, -1 negative, 0 either
  Wide shift = 0;  // the value is var + shift
  // Plain numbers and offsets relate to each other through the zone; an address only to
  // addresses in the same region (kind and region).
  int tag = 0;
};

inline int address_tag(const verifier::Reg& reg) {
  return 1 + static_cast<int>(reg.kind) * 4096 + static_cast<int>(reg.region % 4096);
}

inline Known known_of(const verifier::Reg& reg, verifier::Zone::Var var, std::string_view field) {
  using verifier::Kind;
  Known k;
  if (reg.has_types()) {
    if (field == "svalue" || field == "uvalue") {
      k.known = true;  // an address on some path: nothing to compare with
      k.tag = 1 << 30;
      return k;
    }
    // An offset: that of the member of the field's kind, without its relations.
    for (const verifier::Reg& m : reg.types->members) {
      Known mk = known_of(m, var, field);
      if (mk.known) {
        mk.var.reset();
        return mk;
      }
    }
    return k;
  }
  if (reg.kind == Kind::uninit || reg.kind == Kind::mixed) return k;
  if (field == "svalue" || field == "uvalue") {
    if (reg.kind == Kind::number) {
      k.known = true;
      k.svalue_var = var;
      k.half = reg.num.smin() >= 0 ? 1 : reg.num.smax() < 0 ? -1 : 0;
      if (field == "svalue") {
        k.lo = reg.num.smin();
        k.hi = reg.num.smax();
        k.var = var;
      } else {
        k.lo = reg.num.umin();
        k.hi = reg.num.umax();
        if (reg.num.smin() >= 0) k.var = var;
      }
      return k;
    }
    if (reg.kind == Kind::packet_end) return k;
    k.known = true;  // an address: only relations within the region
    k.var = var;
    k.tag = address_tag(reg);
    return k;
  }
  const bool offset_matches = (field == "ctx_offset" && reg.kind == Kind::ctx) ||
                              (field == "stack_offset" && reg.kind == Kind::stack) ||
                              (field == "packet_offset" && reg.kind == Kind::packet) ||
                              (field == "shared_offset" && reg.kind == Kind::map_value);
  if (offset_matches) {
    k.known = true;
    k.lo = reg.num.smin();
    k.hi = reg.num.smax();
    k.var = var;
  }
  return k;
}

// The numeric bytes of the stack from `offset` (initialised, not part of a spilled pointer).
inline int numeric_size(const verifier::StackFrame& stack, std::int64_t offset) {
  int n = 0;
  for (std::int64_t b = offset; b >= 0 && b < verifier::kStackBytes; ++b) {
    if (!stack.init[static_cast<std::size_t>(b)]) break;
    bool pointer = false;
    for (const auto& [start, cell] : stack.cells) {
      if (b >= start && b < start + cell.width && cell.value.kind != verifier::Kind::number)
        pointer = true;
    }
    if (pointer) break;
    ++n;
  }
  return n;
}

// `shared_region_size` or `stack_numeric_size` of a value (of its member of that kind).
inline std::optional<Known> region_size(const verifier::State& s,
                                        const std::vector<object::MapDefinition>& maps,
                                        verifier::Reg reg, std::string_view field) {
  using verifier::Kind;
  if (field != "shared_region_size" && field != "stack_numeric_size") return std::nullopt;
  const Kind want = field == "shared_region_size" ? Kind::map_value : Kind::stack;
  if (reg.has_types()) {
    for (const verifier::Reg& m : reg.types->members) {
      if (m.kind == want) reg = m;
    }
  }
  Known k;
  if (want == Kind::map_value && reg.kind == want && reg.region < maps.size()) {
    k.known = true;
    k.lo = k.hi = maps[reg.region].value_size;
    return k;
  }
  if (want == Kind::stack && reg.kind == want && reg.num.as_constant() &&
      reg.region < s.stacks.size()) {
    k.known = true;
    k.lo = k.hi =
        numeric_size(s.stacks[reg.region], static_cast<std::int64_t>(*reg.num.as_constant()));
    return k;
  }
  return std::nullopt;
}

inline Known known(const verifier::State& s, const std::vector<object::MapDefinition>& maps,
                   const Counters& counters, const Var& v) {
  using verifier::Kind;
  using verifier::Vars;
  Known k;
  switch (v.where) {
    case Var::Where::packet_size:
      return Known{true, s.packet_size.smin(), s.packet_size.smax(), Vars::packet_size, {}, 0, 0,
                   0};
    case Var::Where::meta_offset:
      return Known{true, s.meta_offset.smin(), s.meta_offset.smax(), Vars::meta_offset, {}, 0, 0,
                   0};
    case Var::Where::loop: {
      // pc[N]: the counter of the loop headed by instruction N (of the entry function).
      const std::string_view label = std::string_view(v.field).substr(3, v.field.size() - 4);
      const auto index = number(label);
      if (!index) return k;
      auto it = counters.find(static_cast<int>(*index));
      if (it == counters.end() || !s.zone.has(it->second)) return k;
      // PREVAIL counts visits of the head: one more than xbpf's back edges.
      k.known = true;
      k.var = it->second;
      k.shift = 1;
      if (auto lo = s.zone.lower(it->second)) k.lo = *lo + 1;
      if (auto hi = s.zone.upper(it->second)) k.hi = *hi + 1;
      return k;
    }
    case Var::Where::reg: {
      const verifier::Reg& reg = s.regs[static_cast<std::size_t>(v.reg)];
      if (auto size = region_size(s, maps, reg, v.field)) return *size;
      if ((v.field == "map_fd" || v.field == "map_fd_programs") && reg.kind == Kind::map_ptr) {
        k.known = true;  // every map reference is the environment's one map
        k.lo = kMinusInf;
        k.hi = kPlusInf;
        k.tag = -1;
        return k;
      }
      return known_of(reg, Vars::reg(0, v.reg), v.field);
    }
    case Var::Where::stack: {
      if (s.stacks.empty()) return k;
      auto it = s.stacks[0].cells.find(static_cast<std::uint16_t>(v.lo));
      if (it != s.stacks[0].cells.end() && it->second.width == v.hi - v.lo + 1) {
        if (auto size = region_size(s, maps, it->second.value, v.field)) return *size;
        return known_of(it->second.value, Vars::cell(0, v.lo), v.field);
      }
      // Bytes of several cells with constant values (little-endian), up to 8.
      if ((v.field != "svalue" && v.field != "uvalue") || v.hi - v.lo >= 8) return k;
      std::uint64_t value = 0;
      for (int b = v.lo; b <= v.hi; ++b) {
        std::optional<std::uint64_t> byte;
        for (const auto& [start, cell] : s.stacks[0].cells) {
          const auto c = cell.value.kind == Kind::number ? cell.value.num.as_constant()
                                                         : std::optional<std::uint64_t>();
          if (c && b >= start && b < start + cell.width) byte = (*c >> (8 * (b - start))) & 0xff;
        }
        if (!byte) return k;
        value |= *byte << (8 * (b - v.lo));
      }
      // A narrower cell's value is its zero-extended bytes; 8 bytes read signed as svalue.
      const bool full = v.hi - v.lo == 7;
      k.known = true;
      k.lo = full && v.field == "svalue" ? Wide{static_cast<std::int64_t>(value)} : Wide{value};
      k.hi = k.lo;
      return k;
    }
  }
  return k;
}

// The kinds a location may hold (those of its type set's members); empty when unknown.
inline std::vector<verifier::Kind> kinds_at(const verifier::State& s, const Var& v) {
  auto kinds = [](const verifier::Reg& reg) {
    std::vector<verifier::Kind> out;
    if (!reg.has_types()) return std::vector<verifier::Kind>{reg.kind};
    for (const verifier::Reg& m : reg.types->members) out.push_back(m.kind);
    return out;
  };
  if (v.where == Var::Where::reg) return kinds(s.regs[static_cast<std::size_t>(v.reg)]);
  if (v.where != Var::Where::stack || s.stacks.empty()) return {};
  const verifier::StackFrame& stack = s.stacks[0];
  auto it = stack.cells.find(static_cast<std::uint16_t>(v.lo));
  if (it != stack.cells.end() && it->second.width == v.hi - v.lo + 1 &&
      it->second.value.kind != verifier::Kind::number)
    return kinds(it->second.value);
  if (numeric_size(stack, v.lo) >= v.hi - v.lo + 1) return {verifier::Kind::number};
  return {};
}

inline std::optional<verifier::Kind> kind_at(const verifier::State& s, const Var& v) {
  const auto kinds = kinds_at(s, v);
  if (kinds.size() != 1) return kinds.empty() ? std::nullopt : std::optional(verifier::Kind::mixed);
  return kinds.front();
}

}  // namespace detail

// Whether a state entails a constraint; `unknown` for a bound on a pointer's address, which
// xbpf's state does not have (it knows offsets into regions, not where the regions are).
enum class Entailment { holds, fails, unknown };

inline Entailment entails(const verifier::State& s, const std::vector<object::MapDefinition>& maps,
                          const Counters& counters, const Constraint& c) {
  using detail::Known;
  const Entailment holds = Entailment::holds, fails = Entailment::fails;
  if (c.form == Constraint::Form::bottom) return s.bottom ? holds : fails;
  if (s.bottom) return fails;
  switch (c.form) {
    case Constraint::Form::bottom: return fails;
    case Constraint::Form::type_is:
    case Constraint::Form::type_in: {
      // Every kind the location may hold is listed.
      const auto kinds = detail::kinds_at(s, c.x);
      if (kinds.empty()) return fails;
      for (const verifier::Kind kind : kinds) {
        if (kind == verifier::Kind::mixed ||
            std::none_of(c.types.begin(), c.types.end(),
                         [&](const std::string& name) { return kind_named(name) == kind; }))
          return fails;
      }
      return holds;
    }
    case Constraint::Form::type_same: {
      // Related type sets (one selector): the members of each label have one kind.
      if (c.x.where == Var::Where::reg && c.y->where == Var::Where::reg) {
        const verifier::Reg& rx = s.regs[static_cast<std::size_t>(c.x.reg)];
        const verifier::Reg& ry = s.regs[static_cast<std::size_t>(c.y->reg)];
        if (rx.has_types() && ry.has_types() && rx.types->selector != 0 &&
            rx.types->selector == ry.types->selector) {
          for (unsigned l = 0; l < rx.types->label_count; ++l) {
            const auto mx = rx.types->member_of(l), my = ry.types->member_of(l);
            if (!mx || !my || rx.types->members[*mx].kind != ry.types->members[*my].kind)
              return fails;
          }
          return holds;
        }
      }
      const auto a = detail::kind_at(s, c.x), b = detail::kind_at(s, *c.y);
      return a && b && *a == *b && *a != verifier::Kind::mixed && *a != verifier::Kind::uninit
                 ? holds
                 : fails;
    }
    case Constraint::Form::interval: {
      const Known x = detail::known(s, maps, counters, c.x);
      if (!x.known) return fails;
      if (x.tag > 0) return Entailment::unknown;  // an address
      if (x.tag < 0) return holds;                // map_fd: the one map
      // The numeric size says how many bytes are known to be numbers: knowing more entails it.
      if (c.x.field == "stack_numeric_size") return x.lo >= c.lo ? holds : fails;
      return x.lo >= c.lo && x.hi <= c.hi ? holds : fails;
    }
    case Constraint::Form::equal:
    case Constraint::Form::at_most: {
      Known x = detail::known(s, maps, counters, c.x);
      Known y = c.y ? detail::known(s, maps, counters, *c.y)
                    : Known{true, 0, 0, verifier::Zone::kZero, {}, 0, 0, 0};
      if (!x.known || !y.known || x.tag != y.tag) return fails;
      const bool equal = c.form == Constraint::Form::equal;
      // Unsigned values differ as the signed ones do within one sign half; equal signed values
      // have equal unsigned ones.
      if (c.y && c.x.field == "uvalue" && c.y->field == "uvalue" && x.svalue_var && y.svalue_var &&
          ((x.half != 0 && x.half == y.half) || (equal && c.k == 0))) {
        x.var = x.svalue_var;
        y.var = y.svalue_var;
      }
      // Intervals (plain values only).
      if (x.tag == 0) {
        if (equal && x.lo == x.hi && y.lo == y.hi && x.lo == y.lo + c.k) return holds;
        if (!equal && x.hi - y.lo <= c.k) return holds;
      }
      if (!x.var || !y.var) return fails;
      const Wide k = c.k - x.shift + y.shift;  // between the zone variables
      if (*x.var == *y.var) return (equal ? k == 0 : k >= 0) ? holds : fails;
      const auto up = s.zone.bound(*x.var, *y.var);
      if (!up || Wide{*up} > k) return fails;
      if (!equal) return holds;
      const auto down = s.zone.bound(*y.var, *x.var);
      return down && Wide{*down} <= -k ? holds : fails;
    }
  }
  return fails;
}

}  // namespace xbpf::test::yaml
