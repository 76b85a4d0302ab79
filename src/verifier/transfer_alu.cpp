// Transfer functions of ALU instructions: copies, arithmetic on numbers (with the relations the
// zone keeps), pointer arithmetic and differences. The packet-relative kinds are in
// transfer_packet_alu.cpp.
#include "verifier/checker.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

using isa::Form;
using isa::Sem;

bool Checker::begins_difference(const isa::Instruction& mov) const {
  const auto first = std::lower_bound(
      program_.code.begin(), program_.code.end(), mov.slot + 1,
      [](const isa::Instruction& insn, std::uint32_t slot) { return insn.slot < slot; });
  // Up to a few instructions that neither name the register nor transfer control (nor touch
  // registers implicitly) may come between, as a scheduler may put them.
  constexpr int kMaxBetween = 8;
  const auto end =
      program_.code.end() - first > kMaxBetween + 1 ? first + kMaxBetween + 1 : program_.code.end();
  for (auto next = first; next != end; ++next) {
    const isa::OpInfo& info = next->info();
    if (info.form == Form::alu_reg && info.sem == Sem::sub && info.width == 32 &&
        next->dst == mov.dst)
      return true;
    bool names_src = false;
    switch (info.form) {
      case Form::alu_reg:
      case Form::alu_movsx:
      case Form::ldx:
      case Form::stx: names_src = true; break;
      case Form::alu_imm:
      case Form::alu_neg:
      case Form::byteswap:
      case Form::lddw:
      case Form::st: break;
      default: return false;  // control, calls, atomics, legacy packet loads
    }
    if (next->dst == mov.dst || (names_src && next->src == mov.dst)) return false;
  }
  return false;
}

void Checker::alu(State& s, const isa::Instruction& insn) {
  const isa::OpInfo& info = insn.info();
  const std::uint32_t pc = insn.slot;
  const int d = insn.dst;
  const Sem sem = info.sem;
  const bool from_reg = info.form == Form::alu_reg || info.form == Form::alu_movsx;
  const bool reads_dst = sem != Sem::mov && info.form != Form::alu_movsx;
  if (from_reg && !readable(s, pc, insn.src)) return;
  if (reads_dst && !readable(s, pc, d)) return;

  Reg src;
  if (from_reg) {
    src = s.regs[insn.src];
  } else if (info.form == Form::alu_imm) {
    const std::int64_t imm = insn.imm;
    src = Reg::number(Scalar::constant(info.width == 64 ? static_cast<std::uint64_t>(imm)
                                                        : static_cast<std::uint32_t>(insn.imm)));
  } else {
    src = Reg::number(Scalar::constant(0));
  }
  const Reg dst = s.regs[static_cast<std::size_t>(d)];

  if (info.form == Form::byteswap) {
    if (dst.kind != Kind::number) {
      return fail(s, pc, AssertionKind::pointer_arithmetic,
                  "byte swap of a " + std::string(kind_name(dst.kind)),
                  reg_name(d) + ".type == number", {d});
    }
    s.set_reg(d, Reg::number(byte_swap(sem, static_cast<unsigned>(insn.imm), dst.num)));
    return;
  }
  if (sem == Sem::mov && info.form != Form::alu_movsx) return alu_copy(s, insn, src);
  if (dst.kind == Kind::mixed || src.kind == Kind::mixed) {
    const int r = dst.kind == Kind::mixed ? d : insn.src;
    return fail(s, pc, AssertionKind::pointer_arithmetic,
                reg_name(r) +
                    " holds a pointer on some paths and a number on others; arithmetic "
                    "on it is not allowed",
                reg_name(r) + ".type == number", {r});
  }
  if (packet_arithmetic(s, insn, dst, src)) return;
  if (!is_pointer(dst.kind) && !is_pointer(src.kind)) return alu_numbers(s, insn, dst, src);
  pointer_arithmetic(s, insn, dst, src);
}

void Checker::alu_copy(State& s, const isa::Instruction& insn, const Reg& src) {
  const isa::OpInfo& info = insn.info();
  const std::uint32_t pc = insn.slot;
  const int d = insn.dst;
  const bool from_reg = info.form == Form::alu_reg;
  const Zone::Var dvar = reg_var(s, d);
  if (info.width == 64) {
    s.set_reg(d, src);
    if (from_reg && src.kind != Kind::packet_end && src.kind != Kind::mixed)
      s.zone.assign(dvar, reg_var(s, insn.src), 0);
    return;
  }
  if (src.kind == Kind::packet_neg) {
    return fail(s, pc, AssertionKind::pointer_arithmetic,
                "32-bit copy of a negated packet pointer (" + reg_name(insn.src) + " is " +
                    describe(src) + ")",
                reg_name(insn.src) + ".type != packet_neg", {insn.src});
  }
  if (src.kind != Kind::number) {
    // The low half of an address is no number a program may use, except in a difference:
    // clang writes `(u32)(end - start)` as `wX = wEnd; wX -= wStart`. The low halves
    // subtract as the pointers do, so X holds the pointer for that subtraction, which is
    // checked as any subtraction of pointers.
    if (begins_difference(insn)) {
      s.set_reg(d, src);
      return;
    }
    return fail(s, pc, AssertionKind::pointer_arithmetic,
                "32-bit copy of a pointer (" + reg_name(insn.src) + " is " + describe(src) +
                    "): the low half of an address may only start a 32-bit pointer "
                    "difference, w" +
                    std::to_string(d) + " = w" + std::to_string(insn.src) + "; w" +
                    std::to_string(d) + " -= wN",
                reg_name(insn.src) + ".type == number", {insn.src});
  }
  const Scalar value = src.num.truncated(4);
  const bool fits = src.num.smin() >= 0 && src.num.umax() <= UINT32_MAX;
  if (from_reg && insn.src == d && fits) return;  // w2 = w2 on a value below 2^32: unchanged
  s.set_reg(d, Reg::number(value));
  if (from_reg && fits) s.zone.assign(dvar, reg_var(s, insn.src), 0);
}

void Checker::alu_numbers(State& s, const isa::Instruction& insn, const Reg& dst, const Reg& src) {
  const isa::OpInfo& info = insn.info();
  const int d = insn.dst;
  const bool is64 = info.width == 64;
  const Sem sem = info.sem;
  const bool from_reg = info.form == Form::alu_reg || info.form == Form::alu_movsx;
  const Zone::Var dvar = reg_var(s, d);
  if (!options_.allow_division_by_zero &&
      (sem == Sem::div || sem == Sem::mod || sem == Sem::sdiv || sem == Sem::smod) &&
      (is64 ? src.num : src.num.low32()).contains(0)) {
    return fail(s, insn.slot, AssertionKind::divisor_nonzero, "the divisor may be zero",
                (from_reg ? reg_name(insn.src) : "imm") + " != 0", {insn.src});
  }
  const Scalar before = dst.num;
  const Scalar value = is64 ? alu64(sem, dst.num, src.num) : alu32(sem, dst.num, src.num);
  if (sem == Sem::and_ && !from_reg && insn.imm > 0 && before.smin() >= 0 &&
      before.umax() <= static_cast<std::uint64_t>(insn.imm) &&
      (static_cast<std::uint64_t>(insn.imm) & (static_cast<std::uint64_t>(insn.imm) + 1)) == 0)
    return;  // a mask that keeps every bit the value may have: unchanged, relations kept
  const auto c = src.num.as_constant();
  if ((sem == Sem::add || sem == Sem::sub) && c && !value.is_bottom()) {
    std::int64_t delta = static_cast<std::int64_t>(*c);
    if (!is64) delta = static_cast<std::int32_t>(static_cast<std::uint32_t>(*c));
    if (sem == Sem::sub) delta = -delta;
    const bool exact = is64 ? shifts_exactly(before, value, delta, delta)
                            : before.smin() >= 0 && before.umax() <= UINT32_MAX &&
                                  shifts_exactly(before, value, delta, delta);
    if (exact && delta > -Zone::kLimit && delta < Zone::kLimit) {
      s.regs[static_cast<std::size_t>(d)] = Reg::number(value);
      s.zone.assign(dvar, dvar, delta);
      add_bounds(s, dvar, value);
      return;
    }
  }
  // d' = d +/- src with src bounded and no wrap: d' - d lies in src's range (or its
  // negation), which keeps loop counters related to `i += step` variables.
  std::optional<std::pair<std::int64_t, std::int64_t>> shift;
  if ((sem == Sem::add || sem == Sem::sub) && from_reg && insn.src != d && !value.is_bottom()) {
    const Scalar& n = src.num;
    if (n.smin() > -Zone::kLimit && n.smax() < Zone::kLimit) {
      const std::int64_t lo = sem == Sem::add ? n.smin() : -n.smax();
      const std::int64_t hi = sem == Sem::add ? n.smax() : -n.smin();
      const bool in32 = before.smin() >= 0 && before.umax() <= UINT32_MAX && n.smin() >= 0 &&
                        n.umax() <= UINT32_MAX;
      if ((is64 || in32) && shifts_exactly(before, value, lo, hi)) shift.emplace(lo, hi);
    }
  }
  const Zone::Var old = Vars::reg(kMaxFrames + 1, 0);
  if (shift) s.zone.assign(old, dvar, 0);
  s.set_reg(d, Reg::number(value));
  if (shift) {
    s.zone.add(dvar, old, shift->second);
    s.zone.add(old, dvar, -shift->first);
    s.zone.forget(old);
  }
  if (is64 && sem == Sem::add && from_reg && insn.src != d &&
      shifts_exactly(src.num, value, before.smin(), before.smax())) {
    // d' = d + src: d' - src lies in d's old range.
    const Zone::Var svar = reg_var(s, insn.src);
    if (auto hi = zone_upper(before)) s.zone.add(dvar, svar, *hi);
    if (auto lo = zone_lower(before)) s.zone.add(svar, dvar, -*lo);
  }
}

// The distance between two pointers is a number; exact for the same region (and between the
// packet and its end), unknown otherwise (as Linux, for privileged programs).
void Checker::pointer_difference(State& s, const isa::Instruction& insn, const Reg& dst,
                                 const Reg& src) {
  const int d = insn.dst;
  const bool is64 = insn.info().width == 64;
  const Zone::Var dvar = reg_var(s, d);
  const bool packet_family = (dst.kind == Kind::packet || dst.kind == Kind::packet_end) &&
                             (src.kind == Kind::packet || src.kind == Kind::packet_end);
  Scalar diff = Scalar::top();
  // packet_end + e: packet_size's zone variable, e added.
  const std::int64_t ex = dst.kind == Kind::packet_end ? dst.end_offset() : 0;
  const std::int64_t ey = src.kind == Kind::packet_end ? src.end_offset() : 0;
  if (packet_family || (dst.same_region(src) && !dst.nullable && !src.nullable)) {
    const Zone::Var x = dst.kind == Kind::packet_end ? Vars::packet_size : dvar;
    const Zone::Var y = src.kind == Kind::packet_end ? Vars::packet_size : reg_var(s, insn.src);
    diff = alu64(Sem::sub, dst.kind == Kind::packet_end ? end_value(s, dst) : dst.num,
                 src.kind == Kind::packet_end ? end_value(s, src) : src.num);
    if (auto hi = s.zone.bound(x, y)) diff.restrict_signed(INT64_MIN, *hi + ex - ey);
    if (auto lo = s.zone.bound(y, x)) diff.restrict_signed(-*lo + ex - ey, INT64_MAX);
    if (diff.is_bottom()) diff = Scalar::top();
  }
  s.set_reg(d, Reg::number(is64 ? diff : diff.truncated(4)));
  // data_end - (data + c), or p - q with q at a constant offset c: d = x - c, a relation.
  const Scalar right = src.kind == Kind::packet_end ? end_value(s, src) : src.num;
  const auto c = right.as_constant();
  if (is64 && c && packet_family && dst.kind == Kind::packet_end &&
      static_cast<std::int64_t>(*c) > -Zone::kLimit &&
      static_cast<std::int64_t>(*c) < Zone::kLimit) {
    s.zone.assign(dvar, Vars::packet_size, ex - static_cast<std::int64_t>(*c));
    add_bounds(s, dvar, diff);
  }
}

// Pointer arithmetic: pointer +/- number, number + pointer, pointer - pointer.
void Checker::pointer_arithmetic(State& s, const isa::Instruction& insn, const Reg& dst,
                                 const Reg& src) {
  const isa::OpInfo& info = insn.info();
  const std::uint32_t pc = insn.slot;
  const int d = insn.dst;
  const Sem sem = info.sem;
  const bool dst_ptr = is_pointer(dst.kind), src_ptr = is_pointer(src.kind);
  const int preg = dst_ptr ? d : insn.src;
  const Reg& ptr = dst_ptr ? dst : src;
  if (sem == Sem::sub && dst_ptr && src_ptr && dst.kind != Kind::packet_neg &&
      src.kind != Kind::packet_neg)
    return pointer_difference(s, insn, dst, src);
  if (info.width != 64) {
    return fail(s, pc, AssertionKind::pointer_arithmetic,
                "32-bit arithmetic on a pointer (" + reg_name(preg) + " is " + describe(ptr) + ")",
                reg_name(preg) + ".type == number", {preg});
  }
  if (dst_ptr && src_ptr) {
    return fail(s, pc, AssertionKind::pointer_arithmetic,
                "arithmetic between two pointers (" + describe(dst) + " and " + describe(src) +
                    "); only the difference of two pointers into the same region is allowed",
                reg_name(d) + ".type == " + reg_name(insn.src) + ".type", {d, insn.src});
  }
  const bool additive = sem == Sem::add || (sem == Sem::sub && dst_ptr);
  if (!additive) {
    return fail(s, pc, AssertionKind::pointer_arithmetic,
                "operation on a pointer other than adding or subtracting a number (" +
                    reg_name(preg) + " is " + describe(ptr) + ")",
                reg_name(preg) + ".type == number", {preg});
  }
  if (ptr.nullable) {
    return fail(s, pc, AssertionKind::not_null,
                "arithmetic on " + reg_name(preg) + ", which may be NULL (" + describe(ptr) +
                    "): compare it with 0 first",
                reg_name(preg) + " != NULL", {preg});
  }
  switch (ptr.kind) {
    case Kind::ctx:
    case Kind::stack:
    case Kind::packet:
    case Kind::map_value:
    case Kind::ringbuf_mem:
    case Kind::flow_keys: break;
    default:
      return fail(s, pc, AssertionKind::pointer_arithmetic,
                  "arithmetic on a " + std::string(kind_name(ptr.kind)) + " pointer",
                  reg_name(preg) + ".type in {ctx, stack, packet, map_value, ringbuf_mem}", {preg});
  }
  move_pointer(s, insn, ptr, dst_ptr ? src : dst);
}

// pointer +/- number: the offset moves, related to the old one in the zone where no wrap.
void Checker::move_pointer(State& s, const isa::Instruction& insn, const Reg& ptr,
                           const Reg& number) {
  const isa::OpInfo& info = insn.info();
  const int d = insn.dst;
  const Sem sem = info.sem;
  const bool from_reg = info.form == Form::alu_reg || info.form == Form::alu_movsx;
  const bool dst_ptr = is_pointer(s.regs[static_cast<std::size_t>(d)].kind);
  const int preg = dst_ptr ? d : insn.src;
  const Zone::Var dvar = reg_var(s, d);
  const Scalar before = ptr.num;
  const Scalar offset = alu64(sem, ptr.num, number.num);
  Reg result = ptr;
  result.num = offset;
  const auto c = number.num.as_constant();
  if (c && dst_ptr) {
    std::int64_t delta = static_cast<std::int64_t>(*c);
    if (sem == Sem::sub) delta = -delta;
    if (delta > -Zone::kLimit && delta < Zone::kLimit &&
        shifts_exactly(before, offset, delta, delta)) {
      s.regs[static_cast<std::size_t>(d)] = result;
      s.zone.assign(dvar, dvar, delta);
      add_bounds(s, dvar, offset);
      return;
    }
  }
  const Zone::Var pvar = reg_var(s, preg);
  const bool exact =
      sem == Sem::add && shifts_exactly(ptr.num, offset, number.num.smin(), number.num.smax());
  if (exact && preg == d) {
    // d' = d + n: d' - d_old in n's range; express through a temporary: shift in place.
    const Zone::Var tmp = Vars::reg(kMaxFrames + 1, 0);
    s.zone.assign(tmp, dvar, 0);
    s.set_reg(d, result);
    if (auto hi = zone_upper(number.num)) s.zone.add(dvar, tmp, *hi);
    if (auto lo = zone_lower(number.num)) s.zone.add(tmp, dvar, -*lo);
    s.zone.forget(tmp);
    if (from_reg && insn.src != d) {
      // d' = d + src: d' - src lies in d's old range.
      const Zone::Var svar = reg_var(s, insn.src);
      if (auto hi = zone_upper(before)) s.zone.add(dvar, svar, *hi);
      if (auto lo = zone_lower(before)) s.zone.add(svar, dvar, -*lo);
    }
    return;
  }
  s.set_reg(d, result);
  if (exact && preg != d) {
    if (auto hi = zone_upper(number.num)) s.zone.add(dvar, pvar, *hi);
    if (auto lo = zone_lower(number.num)) s.zone.add(pvar, dvar, -*lo);
  }
}

bool Checker::is_extend32(const isa::Instruction& shl, const isa::Instruction& shr) {
  const auto is_shift32 = [](const isa::Instruction& i, Sem sem) {
    return i.info().form == Form::alu_imm && i.info().width == 64 && i.info().sem == sem &&
           i.imm == 32;
  };
  return is_shift32(shl, Sem::lsh) && shr.dst == shl.dst &&
         (is_shift32(shr, Sem::rsh) || is_shift32(shr, Sem::arsh));
}

int Checker::copy_extend32(const State& s, const isa::Instruction& shl, const isa::Instruction& mov,
                           const isa::Instruction& shr) {
  const isa::OpInfo& m = mov.info();
  if (m.form != Form::alu_reg || m.width != 64 || m.sem != Sem::mov || mov.src != shl.dst ||
      mov.dst == shl.dst || shr.dst != mov.dst) {
    return -1;
  }
  isa::Instruction same_shl = shl;
  same_shl.dst = mov.dst;
  if (!is_extend32(same_shl, shr)) return -1;
  const Reg& reg = s.regs[shl.dst];
  if (s.bottom || reg.kind != Kind::number) return -1;
  const Scalar& v = reg.num;
  const bool fits = shr.info().sem == Sem::rsh ? v.smin() >= 0 && v.umax() <= UINT32_MAX
                                               : v.smin() >= INT32_MIN && v.smax() <= INT32_MAX;
  return fits ? mov.dst : -1;
}

bool Checker::extend32(State& s, const isa::Instruction& shl, const isa::Instruction& shr) {
  const Reg& reg = s.regs[shl.dst];
  if (s.bottom || reg.kind != Kind::number) return false;
  const Scalar& v = reg.num;
  if (shr.info().sem == Sem::rsh) {
    if (v.smin() >= 0 && v.umax() <= UINT32_MAX) return true;  // already zero-extended
    s.set_reg(shl.dst, Reg::number(v.truncated(4)));
  } else {
    if (v.smin() >= INT32_MIN && v.smax() <= INT32_MAX) return true;  // already sign-extended
    s.set_reg(shl.dst, Reg::number(v.truncated(4).sign_extended(4)));
  }
  return true;
}

}  // namespace xbpf::verifier::detail
