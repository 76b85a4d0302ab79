// Transfer functions of the arithmetic on the packet-relative kinds that go past Linux
// (docs/architecture.md, "packet arithmetic Linux refuses"): packet_end + c, negated packet
// pointers and size_minus.
#include "verifier/checker.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

using isa::Form;
using isa::Sem;

namespace {

std::optional<std::int64_t> small_constant(const Reg& r) {
  if (r.kind != Kind::number) return std::nullopt;
  const auto c = r.num.as_constant();
  if (!c) return std::nullopt;
  const auto v = static_cast<std::int64_t>(*c);
  if (v <= -Zone::kLimit || v >= Zone::kLimit) return std::nullopt;
  return v;
}

// x := x + delta, exactly (the zone keeps x's relations) or by bounds only.
void shift_to(State& s, int d, Reg result, std::int64_t delta) {
  const Zone::Var dvar = reg_var(s, d);
  const Scalar before = s.regs[static_cast<std::size_t>(d)].num;
  result.num = alu64(Sem::add, before, Scalar::constant(static_cast<std::uint64_t>(delta)));
  if (bounded(before) && shifts_exactly(before, result.num, delta, delta)) {
    s.regs[static_cast<std::size_t>(d)] = result;
    s.zone.assign(dvar, dvar, delta);
    add_bounds(s, dvar, result.num);
  } else {
    s.set_reg(d, result);
  }
}

}  // namespace

bool Checker::packet_arithmetic(State& s, const isa::Instruction& insn, const Reg& dst,
                                const Reg& src) {
  const isa::OpInfo& info = insn.info();
  const int d = insn.dst;
  const bool is64 = info.width == 64;
  const Sem sem = info.sem;
  if (info.form == Form::alu_movsx && src.kind != Kind::packet_neg) return false;  // dst unread
  const bool involved = dst.kind == Kind::packet_neg || src.kind == Kind::packet_neg ||
                        dst.kind == Kind::size_minus || src.kind == Kind::size_minus ||
                        dst.kind == Kind::packet_end;
  if (!involved && !(dst.kind == Kind::packet && !dst.nullable)) return false;
  const bool negate = is64 && (info.form == Form::alu_neg ||
                               (info.form == Form::alu_imm && sem == Sem::xor_ && insn.imm == -1));

  // ~p == -(data + a) - 1 == -data - (a + 1); -p == -data - a. And back.
  if (negate && (dst.kind == Kind::packet || dst.kind == Kind::packet_neg) && !dst.nullable) {
    Reg result = dst;
    result.kind = dst.kind == Kind::packet ? Kind::packet_neg : Kind::packet;
    result.id = 0;
    if (info.form == Form::alu_neg) {
      s.regs[static_cast<std::size_t>(d)] = result;  // the same offset
    } else {
      shift_to(s, d, result, dst.kind == Kind::packet ? 1 : -1);
    }
    return true;
  }
  if (dst.kind == Kind::packet && src.kind != Kind::packet_neg) return false;

  // packet_end + c: its offset from data_end moves (kept small: it is an int32 in the Reg).
  if (dst.kind == Kind::packet_end && src.kind != Kind::packet_neg) {
    const auto c = small_constant(src);
    if (!is64 || (sem != Sem::add && sem != Sem::sub) || !c || dst.nullable) return false;
    const std::int64_t e = dst.end_offset() + (sem == Sem::add ? *c : -*c);
    if (e < -kMaxPacketSize || e > kMaxPacketSize) return false;
    Reg result = dst;
    result.size = static_cast<std::uint32_t>(static_cast<std::int32_t>(e));
    s.set_reg(d, result);
    return true;
  }

  // size_minus +/- c: packet_size - w + c == packet_size - (w - c).
  if (dst.kind == Kind::size_minus || src.kind == Kind::size_minus) {
    const auto c = small_constant(src);
    if (dst.kind == Kind::size_minus && is64 && (sem == Sem::add || sem == Sem::sub) && c) {
      shift_to(s, d, dst, sem == Sem::add ? -*c : *c);
      return true;
    }
    refuse_packet_operation(s, insn, dst.kind == Kind::size_minus ? d : insn.src,
                            dst.kind == Kind::size_minus ? dst : src);
    return true;
  }
  negated_packet_arithmetic(s, insn, dst, src);
  return true;
}

void Checker::refuse_packet_operation(State& s, const isa::Instruction& insn, int r,
                                      const Reg& value) {
  fail(s, insn.slot, AssertionKind::pointer_arithmetic,
       "operation on a " + std::string(kind_name(value.kind)) + " (" + reg_name(r) + " is " +
           describe(value) +
           "): only adding or subtracting a constant, or adding a packet pointer or "
           "packet_end to a negated packet pointer, is allowed",
       reg_name(r) + ".type not in {packet_neg, size_minus}", {r});
}

// A negated packet pointer takes part (in dst or src).
void Checker::negated_packet_arithmetic(State& s, const isa::Instruction& insn, const Reg& dst,
                                        const Reg& src) {
  const isa::OpInfo& info = insn.info();
  const int d = insn.dst;
  const Sem sem = info.sem;
  const bool from_reg = info.form == Form::alu_reg;
  const Zone::Var dvar = reg_var(s, d);
  const Zone::Var svar = from_reg ? reg_var(s, insn.src) : Zone::kZero;
  const bool dst_neg = dst.kind == Kind::packet_neg;
  const Reg& neg = dst_neg ? dst : src;
  const int nreg = dst_neg ? d : insn.src;
  const Reg& other = dst_neg ? src : dst;
  const Zone::Var nvar = dst_neg ? dvar : svar;
  const Zone::Var ovar = dst_neg ? svar : dvar;
  if (info.width != 64) return refuse_packet_operation(s, insn, nreg, neg);

  // -data - o +/- n: o' = o -/+ n.
  if (other.kind == Kind::number && (sem == Sem::add || (sem == Sem::sub && dst_neg))) {
    if (const auto c = small_constant(other); c && dst_neg)
      return shift_to(s, d, dst, sem == Sem::add ? -*c : *c);
    Reg result = neg;
    result.num =
        sem == Sem::add ? alu64(Sem::sub, neg.num, other.num) : alu64(Sem::add, neg.num, other.num);
    const auto c = small_constant(other);
    const bool related =
        c && !dst_neg && bounded(neg.num) && shifts_exactly(neg.num, result.num, -*c, -*c);
    s.set_reg(d, result);
    if (related) {
      s.zone.assign(dvar, nvar, -*c);  // number c + neg: o' = o - c
      add_bounds(s, dvar, result.num);
    }
    return;
  }
  if (sem != Sem::add || !from_reg || other.nullable)
    return refuse_packet_operation(s, insn, nreg, neg);

  // data + a + (-data - o) == a - o: a number, which the zone bounds.
  if (other.kind == Kind::packet) {
    Scalar diff = alu64(Sem::sub, other.num, neg.num);
    std::optional<std::int64_t> exact;
    if (bounded(other.num) && bounded(neg.num)) {
      const auto hi = s.zone.bound(ovar, nvar), lo = s.zone.bound(nvar, ovar);
      if (hi && lo) {
        Scalar tight = diff;
        tight.restrict_signed(-*lo, *hi);
        if (tight.is_bottom()) {
          s = State::make_bottom();
          return;
        }
        diff = tight;
      }
      if (const auto o = neg.num.as_constant()) exact = static_cast<std::int64_t>(*o);
    }
    if (exact) {
      // a - o with o constant: d = a's variable - o.
      s.zone.assign(dvar, ovar, -*exact);
      s.regs[static_cast<std::size_t>(d)] = Reg::number(diff);
      add_bounds(s, dvar, diff);
    } else {
      s.set_reg(d, Reg::number(diff));
    }
    return;
  }

  // data + packet_size + e + (-data - o) == packet_size - (o - e).
  if (other.kind == Kind::packet_end) {
    const std::int64_t e = other.end_offset();
    Reg result = Reg::pointer(Kind::size_minus, 0, Scalar::top());
    result.num = alu64(Sem::sub, neg.num, Scalar::constant(static_cast<std::uint64_t>(e)));
    if (bounded(neg.num) && shifts_exactly(neg.num, result.num, -e, -e)) {
      s.regs[static_cast<std::size_t>(d)] = result;
      s.zone.assign(dvar, nvar, -e);
      add_bounds(s, dvar, result.num);
    } else {
      s.set_reg(d, result);
    }
    return;
  }
  refuse_packet_operation(s, insn, nreg, neg);
}

}  // namespace xbpf::verifier::detail
