#include "verifier/values.h"

namespace xbpf::verifier::detail {

std::string signed_offset(__int128 off) {
  const auto magnitude = static_cast<unsigned long long>(off < 0 ? -off : off);
  return (off < 0 ? " - " : " + ") + std::to_string(magnitude);
}

void add_bounds(State& s, Zone::Var var, const Scalar& value) {
  if (auto hi = zone_upper(value)) s.zone.add(var, Zone::kZero, *hi);
  if (auto lo = zone_lower(value)) s.zone.add(Zone::kZero, var, -*lo);
}

bool shifts_exactly(const Scalar& before, const Scalar& after, std::int64_t lo, std::int64_t hi) {
  std::int64_t a = 0, b = 0;
  if (__builtin_add_overflow(before.smin(), lo, &a) ||
      __builtin_add_overflow(before.smax(), hi, &b))
    return false;
  return after.smin() == a && after.smax() == b;
}

bool bounded(const Scalar& v) { return zone_lower(v) && zone_upper(v); }

Scalar end_value(const State& s, const Reg& reg) {
  return alu64(isa::Sem::add, s.packet_size,
               Scalar::constant(static_cast<std::uint64_t>(reg.end_offset())));
}

Scalar size_minus_value(const State& s, Zone::Var var, const Reg& reg) {
  Scalar v = alu64(isa::Sem::sub, s.packet_size, reg.num);
  if (!bounded(reg.num)) return v;
  const auto hi = s.zone.bound(Vars::packet_size, var);  // packet_size - w <= hi
  const auto lo = s.zone.bound(var, Vars::packet_size);  // w - packet_size <= lo
  Scalar tight = v;
  if (hi) tight.restrict_signed(INT64_MIN, *hi);
  if (lo) tight.restrict_signed(-*lo, INT64_MAX);
  return tight.is_bottom() ? v : tight;
}

Reg demoted(const State& s, Zone::Var var, const Reg& reg) {
  if (reg.kind != Kind::size_minus) return reg;
  return Reg::number(size_minus_value(s, var, reg));
}

void demote(State& s, int r) {
  const Reg& reg = s.regs[static_cast<std::size_t>(r)];
  if (reg.kind == Kind::size_minus) s.set_reg(r, demoted(s, reg_var(s, r), reg));
}

}  // namespace xbpf::verifier::detail
