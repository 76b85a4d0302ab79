// Transfer functions of conditional jumps, one per edge: NULL checks, comparisons of pointers
// into one region (as their offsets), and of numbers (intervals and known bits, then relations
// in the zone).
#include "verifier/checker.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

using isa::Form;
using isa::Sem;

namespace {

// The relation that holds on the edge: `sem` when taken, its negation otherwise (jset: none).
Sem edge_relation(Sem sem, bool taken) {
  if (taken) return sem;
  switch (sem) {
    case Sem::jgt: return Sem::jle;
    case Sem::jge: return Sem::jlt;
    case Sem::jlt: return Sem::jge;
    case Sem::jle: return Sem::jgt;
    case Sem::jsgt: return Sem::jsle;
    case Sem::jsge: return Sem::jslt;
    case Sem::jslt: return Sem::jsge;
    case Sem::jsle: return Sem::jsgt;
    case Sem::jeq: return Sem::jne;
    case Sem::jne: return Sem::jeq;
    default: return Sem::jset;
  }
}

// `0 OP r` as `r OP' 0`.
Sem mirrored(Sem sem) {
  switch (sem) {
    case Sem::jge: return Sem::jle;
    case Sem::jle: return Sem::jge;
    case Sem::jgt: return Sem::jlt;
    case Sem::jlt: return Sem::jgt;
    default: return sem;
  }
}

bool is_zero(const Reg& r) { return r.kind == Kind::number && r.num.as_constant() == 0; }

}  // namespace

void Checker::branch_one(State& s, const isa::Instruction& insn, bool taken) {
  if (s.bottom) return;
  const isa::OpInfo& info = insn.info();
  const int d = insn.dst;
  const bool from_reg = info.form == Form::cond_reg;
  const Reg& dst = s.regs[static_cast<std::size_t>(d)];
  const Reg src =
      from_reg ? s.regs[insn.src]
               : Reg::number(Scalar::constant(static_cast<std::uint64_t>(std::int64_t{insn.imm})));
  if (dst.kind == Kind::size_minus) {
    if (!bounded(dst.num)) {
      demote(s, d);
      return branch_one(s, insn, taken);
    }
    return branch_size_minus(s, insn, taken);
  }
  if (dst.kind == Kind::packet_neg || src.kind == Kind::packet_neg) {
    const int r = dst.kind == Kind::packet_neg ? d : insn.src;
    return fail(s, insn.slot, AssertionKind::comparable,
                "comparison of a negated packet pointer (" + s.describe_reg(r) +
                    "): add a packet pointer or packet_end to it first",
                reg_name(r) + ".type != packet_neg", {r});
  }
  // NULL checks (64-bit only: the low half of a valid pointer may well be 0).
  if (info.width == 64 && ((is_pointer(dst.kind) && is_zero(src)) ||
                           (from_reg && is_pointer(src.kind) && is_zero(dst)))) {
    return null_check(s, insn, taken, is_pointer(dst.kind) ? d : insn.src);
  }
  if (dst.kind == Kind::mixed || src.kind == Kind::mixed) {
    const int r = dst.kind == Kind::mixed ? d : insn.src;
    return fail(s, insn.slot, AssertionKind::comparable,
                reg_name(r) +
                    " holds a pointer on some paths and a number on others; it cannot be compared",
                reg_name(r) + ".type is known", {r});
  }
  Sem sem = info.sem;
  if (is_pointer(dst.kind) || is_pointer(src.kind)) {
    if (!comparable(s, insn, dst, src)) return;
    // Same base: the addresses compare as the offsets do (signed offsets, no wrap).
    switch (sem) {
      case Sem::jgt: sem = Sem::jsgt; break;
      case Sem::jge: sem = Sem::jsge; break;
      case Sem::jlt: sem = Sem::jslt; break;
      case Sem::jle: sem = Sem::jsle; break;
      default: break;
    }
  }
  refine_comparison(s, insn, taken, sem);
}

// packet_size - w OP c: the value's refined bounds bound w - packet_size.
void Checker::branch_size_minus(State& s, const isa::Instruction& insn, bool taken) {
  const int d = insn.dst;
  const Reg& dst = s.regs[static_cast<std::size_t>(d)];
  const Scalar c = Scalar::constant(static_cast<std::uint64_t>(std::int64_t{insn.imm}));
  const Zone::Var var = reg_var(s, d);
  const Refined refined =
      refine(insn.info().sem, insn.info().width, taken, size_minus_value(s, var, dst), c);
  if (refined.dst.is_bottom() || refined.src.is_bottom()) {
    s = State::make_bottom();
    return;
  }
  bool ok = true;
  if (auto lo = zone_lower(refined.dst)) ok = s.add_relation(var, Vars::packet_size, -*lo);
  if (auto hi = zone_upper(refined.dst); ok && hi) ok = s.add_relation(Vars::packet_size, var, *hi);
  if (!ok) s = State::make_bottom();
}

// `ptr OP 0`: a pointer is an unsigned number, above 0 unless NULL. On the NULL branch every
// copy of a nullable pointer (same id) is 0; on the other, each is a valid pointer.
void Checker::null_check(State& s, const isa::Instruction& insn, bool taken, int pr) {
  const Reg ptr = s.regs[static_cast<std::size_t>(pr)];
  Sem sem = pr == insn.dst ? insn.info().sem : mirrored(insn.info().sem);
  switch (sem) {
    case Sem::jeq:
    case Sem::jne: break;
    case Sem::jge:  // always
      if (!taken) s = State::make_bottom();
      return;
    case Sem::jlt:  // never
      if (taken) s = State::make_bottom();
      return;
    case Sem::jgt: sem = Sem::jne; break;  // not NULL
    case Sem::jle: sem = Sem::jeq; break;  // NULL
    default: return;                       // no refinement
  }
  const bool null_branch = (sem == Sem::jeq) == taken;
  if (!ptr.nullable) {
    if (null_branch) s = State::make_bottom();
    return;
  }
  auto refine = [&](Reg& reg) {
    if (null_branch) {
      reg = Reg::number(Scalar::constant(0));
    } else {
      reg.nullable = false;
    }
  };
  const std::uint32_t id = ptr.id;
  for (int r = 0; r < 11; ++r) {
    Reg& reg = s.regs[static_cast<std::size_t>(r)];
    if (r == pr || (id != 0 && reg.id == id && is_pointer(reg.kind))) {
      Reg copy = reg;
      refine(copy);
      if (null_branch) {
        s.set_reg(r, copy);
      } else {
        reg = copy;
      }
    }
  }
  if (id == 0) return;
  for (auto& frame : s.callers) {
    for (auto& reg : frame) {
      if (reg.id == id && is_pointer(reg.kind)) refine(reg);
    }
  }
  for (std::size_t f = 0; f < s.stacks.size(); ++f) {
    for (auto& [offset, cell] : s.stacks[f].cells) {
      if (cell.value.id == id && is_pointer(cell.value.kind)) {
        refine(cell.value);
        if (null_branch) zone_set(s.zone, Vars::cell(static_cast<int>(f), offset), cell.value.num);
      }
    }
  }
  if (null_branch) {
    s.references.erase(std::remove(s.references.begin(), s.references.end(), id),
                       s.references.end());
  }
}

// Two pointers compared: into one region, 64-bit, neither NULL; maps and functions for
// equality only.
bool Checker::comparable(State& s, const isa::Instruction& insn, const Reg& dst, const Reg& src) {
  const int d = insn.dst;
  const bool from_reg = insn.info().form == Form::cond_reg;
  const bool dst_ptr = is_pointer(dst.kind), src_ptr = is_pointer(src.kind);
  const Sem sem = insn.info().sem;
  const bool packet_pair = (dst.kind == Kind::packet || dst.kind == Kind::packet_end) &&
                           (src.kind == Kind::packet || src.kind == Kind::packet_end);
  if (!(dst_ptr && src_ptr && (packet_pair || dst.same_region(src)))) {
    fail(s, insn.slot, AssertionKind::comparable,
         "comparison of " + describe(dst) + " with " + describe(src) +
             ": pointers may only be compared with pointers into the same region (or NULL)",
         reg_name(d) + " and " + (from_reg ? reg_name(insn.src) : "imm") +
             " point into the same region",
         {d, from_reg ? insn.src : d});
    return false;
  }
  if (insn.info().width == 32) {
    fail(s, insn.slot, AssertionKind::comparable, "32-bit comparison of pointers",
         "64-bit comparison", {d, insn.src});
    return false;
  }
  if (dst.nullable || src.nullable) {
    fail(s, insn.slot, AssertionKind::not_null,
         "comparison of a pointer that may be NULL; compare it with 0 first",
         "pointers are not NULL", {d, insn.src});
    return false;
  }
  // A map or a function is no memory to move in: its references are equal or not.
  if ((dst.kind == Kind::map_ptr || dst.kind == Kind::func) && sem != Sem::jeq && sem != Sem::jne) {
    fail(s, insn.slot, AssertionKind::comparable,
         "ordered comparison of " + describe(dst) + " with " + describe(src) +
             ": references to a map or a function may only be compared with == or !=",
         "== or !=", {d, insn.src});
    return false;
  }
  return true;
}

// Numbers (or offsets): the scalar refinement, then relations. data_end + e's offset is
// packet_size + e.
void Checker::refine_comparison(State& s, const isa::Instruction& insn, bool taken, Sem sem) {
  const int d = insn.dst;
  const bool from_reg = insn.info().form == Form::cond_reg;
  const unsigned width = insn.info().width;
  Reg& dst = s.regs[static_cast<std::size_t>(d)];
  const Reg src =
      from_reg ? s.regs[insn.src]
               : Reg::number(Scalar::constant(static_cast<std::uint64_t>(std::int64_t{insn.imm})));
  const bool dst_ptr = is_pointer(dst.kind);
  const Zone::Var dvar = reg_var(s, d);
  const Zone::Var svar = from_reg ? reg_var(s, insn.src) : Zone::kZero;
  const std::int64_t ex = dst.kind == Kind::packet_end ? dst.end_offset() : 0;
  const std::int64_t ey = from_reg && src.kind == Kind::packet_end ? src.end_offset() : 0;
  Refined refined =
      refine(sem, width, taken, dst.kind == Kind::packet_end ? end_value(s, dst) : dst.num,
             src.kind == Kind::packet_end ? end_value(s, src) : src.num);
  if (refined.dst.is_bottom() || refined.src.is_bottom()) {
    s = State::make_bottom();
    return;
  }
  auto size_from = [](const Scalar& offset, std::int64_t e) {
    return alu64(Sem::sub, offset, Scalar::constant(static_cast<std::uint64_t>(e)));
  };
  auto bound_size = [&](const Scalar& size) {
    s.packet_size = s.packet_size.meet(size);
    add_bounds(s, Vars::packet_size, size);
  };
  if (dst.kind != Kind::packet_end) {
    dst.num = refined.dst;
    add_bounds(s, dvar, refined.dst);
  } else {
    bound_size(size_from(refined.dst, ex));
  }
  if (from_reg && src.kind != Kind::packet_end) {
    s.regs[insn.src].num = refined.src;
    add_bounds(s, svar, refined.src);
  } else if (from_reg) {
    bound_size(size_from(refined.src, ey));
  }
  if (s.packet_size.is_bottom() || s.zone.is_bottom()) {
    s = State::make_bottom();
    return;
  }
  const Sem rel = edge_relation(sem, taken);
  const Scalar& a = s.regs[static_cast<std::size_t>(d)].num;
  const Scalar b = from_reg ? s.regs[insn.src].num : src.num;
  bool usable = true;
  const bool is_unsigned = rel == Sem::jgt || rel == Sem::jge || rel == Sem::jlt || rel == Sem::jle;
  if (!dst_ptr && width == 32) usable = a.umax() < (1U << 31) && b.umax() < (1U << 31);
  // Unsigned order is the zone's (signed) order when both values lie in one sign half.
  if (!dst_ptr && is_unsigned)
    usable = usable && ((a.smin() >= 0 && b.smin() >= 0) || (a.smax() < 0 && b.smax() < 0));
  if (usable && from_reg) {
    const Zone::Var x = dst.kind == Kind::packet_end ? Vars::packet_size : dvar;
    const Zone::Var y = src.kind == Kind::packet_end ? Vars::packet_size : svar;
    if (!relate(s, rel, x, ex, y, ey)) {
      s = State::make_bottom();
      return;
    }
  }
  if (!s.sync_from_zone()) s = State::make_bottom();
}

// (x + ex) REL (y + ey) into the zone; false when infeasible.
bool Checker::relate(State& s, Sem rel, Zone::Var x, std::int64_t ex, Zone::Var y,
                     std::int64_t ey) {
  // (x + ex) - (y + ey) <= k, and (y + ey) - (x + ex) <= k.
  auto below = [&](std::int64_t k) { return s.add_relation(x, y, k - ex + ey); };
  auto above = [&](std::int64_t k) { return s.add_relation(y, x, k - ey + ex); };
  switch (rel) {
    case Sem::jgt:
    case Sem::jsgt: return above(-1);
    case Sem::jge:
    case Sem::jsge: return above(0);
    case Sem::jlt:
    case Sem::jslt: return below(-1);
    case Sem::jle:
    case Sem::jsle: return below(0);
    case Sem::jeq: return below(0) && above(0);
    default: return true;
  }
}

}  // namespace xbpf::verifier::detail
