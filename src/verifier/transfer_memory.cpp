// Transfer functions of the instructions that touch memory: loads and stores (with the
// relations a spilled number keeps), atomics, lddw, legacy packet loads.
#include "verifier/checker.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

using isa::Form;
using isa::Sem;
using progtype::FieldKind;

void Checker::load_immediate(State& s, const isa::Instruction& insn) {
  const int d = insn.dst;
  switch (insn.info().sem) {
    case Sem::imm64: s.set_reg(d, Reg::number(Scalar::constant(insn.imm64()))); return;
    case Sem::map_by_fd:
    case Sem::map_by_idx: {
      const auto index = static_cast<std::uint32_t>(insn.imm);
      if (!map(index)) {
        return fail(s, insn.slot, AssertionKind::valid_lddw,
                    "lddw refers to map " + std::to_string(index) + ", which does not exist",
                    "map " + std::to_string(index) + " exists");
      }
      s.set_reg(d, Reg::pointer(Kind::map_ptr, index, Scalar::constant(0)));
      return;
    }
    case Sem::map_val_fd:
    case Sem::map_val_idx: {
      const auto index = static_cast<std::uint32_t>(insn.imm);
      const object::MapDefinition* m = map(index);
      if (!m || static_cast<std::uint32_t>(insn.next_imm) > m->value_size) {
        return fail(
            s, insn.slot, AssertionKind::valid_lddw,
            "lddw refers to a value of map " + std::to_string(index) + " that does not exist",
            "offset <= value_size");
      }
      s.set_reg(d, Reg::pointer(Kind::map_value, index,
                                Scalar::constant(static_cast<std::uint32_t>(insn.next_imm))));
      return;
    }
    case Sem::code_addr:
      s.set_reg(d, Reg::pointer(Kind::func, static_cast<std::uint32_t>(insn.slot + 1 + insn.imm),
                                Scalar::constant(0)));
      return;
    default:
      return fail(s, insn.slot, AssertionKind::valid_lddw,
                  "lddw with pseudo source " + std::to_string(insn.src) +
                      " (a kernel variable) is not supported",
                  "src in {0, 1, 2, 4, 5, 6}");
  }
}

void Checker::memory(State& s, const isa::Instruction& insn) {
  const isa::OpInfo& info = insn.info();
  const unsigned width = info.width / 8;
  const std::uint32_t pc = insn.slot;
  if (info.form == Form::ldx) {
    if (!readable(s, pc, insn.src)) return;
    Reg value;
    if (!check_access(s, pc, insn.src, insn.off, width, false, &value, nullptr)) return;
    if (info.sem == Sem::load_sx) {
      if (value.kind != Kind::number) value = Reg::number(Scalar::top());
      value.num = value.num.sign_extended(width);
    }
    // A restored spill keeps its relations.
    const Reg base = s.regs[insn.src];  // a copy: dst may be src
    std::optional<Zone::Var> from;
    if (base.kind == Kind::stack && base.num.as_constant() && value.kind != Kind::packet_end) {
      const auto o =
          static_cast<int>(static_cast<std::int64_t>(*base.num.as_constant()) + insn.off);
      auto& cells = s.stacks[base.region].cells;
      auto it = cells.find(static_cast<std::uint16_t>(o));
      if (it != cells.end() && it->second.width == width && info.sem == Sem::load)
        from = Vars::cell(static_cast<int>(base.region), o);
    }
    s.set_reg(insn.dst, value);
    if (from) s.zone.assign(reg_var(s, insn.dst), *from, 0);
    if (base.kind == Kind::ctx && value.kind == Kind::packet && base.num.as_constant()) {
      // data_meta: its offset is meta_offset.
      const auto o =
          static_cast<std::uint32_t>(static_cast<std::int64_t>(*base.num.as_constant()) + insn.off);
      const progtype::ContextField* field = program_.type->field_at(o);
      if (field && field->kind == FieldKind::packet_meta)
        s.zone.assign(reg_var(s, insn.dst), Vars::meta_offset, 0);
    }
    return;
  }
  // Stores.
  if (!readable(s, pc, insn.dst)) return;
  Reg value;
  std::optional<Zone::Var> from;
  if (info.form == Form::stx) {
    if (!readable(s, pc, insn.src)) return;
    value = s.regs[insn.src];
    from = reg_var(s, insn.src);
  } else {
    value = Reg::number(Scalar::constant(static_cast<std::uint64_t>(std::int64_t{insn.imm})));
  }
  const Reg base = s.regs[insn.dst];
  if (!check_access(s, pc, insn.dst, insn.off, width, true, nullptr, &value)) return;
  if (base.kind == Kind::stack && base.num.as_constant()) {
    const auto o = static_cast<int>(static_cast<std::int64_t>(*base.num.as_constant()) + insn.off);
    const Zone::Var cvar = Vars::cell(static_cast<int>(base.region), o);
    s.zone.forget(cvar);
    const auto& cells = s.stacks[base.region].cells;
    auto it = cells.find(static_cast<std::uint16_t>(o));
    if (it != cells.end()) {
      // The cell holds the register's value itself: a whole spill, or a narrower store of a
      // number the truncation leaves unchanged (a 32-bit counter kept in a u32 slot).
      const bool whole = width == 8 && value.kind != Kind::packet_end && value.kind != Kind::mixed;
      const bool fits = width < 8 && value.kind == Kind::number && value.num.smin() >= 0 &&
                        value.num.umax() < (std::uint64_t{1} << (8 * width));
      if (from && (whole || fits))
        s.zone.assign(cvar, *from, 0);
      else if (it->second.value.kind != Kind::mixed)
        zone_set(s.zone, cvar, it->second.value.num);
    }
  }
}

void Checker::atomic(State& s, const isa::Instruction& insn) {
  const isa::OpInfo& info = insn.info();
  const unsigned width = info.width / 8;
  const std::uint32_t pc = insn.slot;
  if (!readable(s, pc, insn.dst) || !readable(s, pc, insn.src)) return;
  const Reg& value = s.regs[insn.src];
  if (value.kind != Kind::number) {
    return fail(s, pc, AssertionKind::atomic_operation,
                "atomic operation with a pointer operand (" + describe(value) + ")",
                reg_name(insn.src) + ".type == number", {insn.src});
  }
  const Reg base = s.regs[insn.dst];
  if (base.kind != Kind::stack && base.kind != Kind::map_value && base.kind != Kind::ringbuf_mem) {
    return fail(s, pc, AssertionKind::atomic_operation,
                "atomic operation on " + std::string(kind_name(base.kind)) +
                    " memory; only the stack, map values and ring buffer reservations allow "
                    "atomics",
                reg_name(insn.dst) + ".type in {stack, map_value, ringbuf_mem}", {insn.dst});
  }
  if (info.sem == Sem::atomic_cmpxchg) {
    if (!readable(s, pc, 0)) return;
    if (s.regs[0].kind != Kind::number)
      return fail(s, pc, AssertionKind::atomic_operation,
                  "cmpxchg compares with r0, which holds a pointer", "r0.type == number", {0});
  }
  // Atomics must be aligned to their width (Linux checks them strictly; a misaligned one
  // faults on some architectures, and on x86 splits a bus lock): every possible offset must
  // be a multiple of the width. Except on the stack (as PREVAIL): it is private to the run,
  // nothing else touches it while the program runs, so an atomic there needs neither
  // atomicity nor alignment, and every engine does a misaligned one as a plain
  // read-modify-write (a type set is checked per member: all of them must be the stack).
  const Scalar address =
      alu64(Sem::add, base.num, Scalar::constant(static_cast<std::uint64_t>(insn.off)));
  const Tnum bits = address.bits();
  if (base.kind != Kind::stack &&
      ((bits.mask & (width - 1)) != 0 || (bits.value & (width - 1)) != 0)) {
    return fail(s, pc, AssertionKind::atomic_operation,
                "atomic operation of " + std::to_string(width) + " bytes at " + reg_name(insn.dst) +
                    " + " + std::to_string(insn.off) + " may be misaligned (" + describe(base) +
                    ")",
                reg_name(insn.dst) + ".offset + " + std::to_string(insn.off) + " % " +
                    std::to_string(width) + " == 0",
                {insn.dst});
  }
  Reg old;
  if (!check_access(s, pc, insn.dst, insn.off, width, false, &old, nullptr)) return;
  if (old.kind != Kind::number)
    return fail(s, pc, AssertionKind::atomic_operation, "atomic operation on a spilled pointer",
                "memory holds a number", {insn.dst});
  // The new value of the memory (the old one where it is only loaded, as a fetch).
  const Scalar& operand = value.num;
  auto op = [&](Sem sem) {
    return width == 8 ? alu64(sem, old.num, operand) : alu32(sem, old.num, operand);
  };
  Scalar updated = Scalar::of_width(width);
  switch (info.sem) {
    case Sem::atomic_add:
    case Sem::atomic_fetch_add: updated = op(Sem::add); break;
    case Sem::atomic_or:
    case Sem::atomic_fetch_or: updated = op(Sem::or_); break;
    case Sem::atomic_and:
    case Sem::atomic_fetch_and: updated = op(Sem::and_); break;
    case Sem::atomic_xor:
    case Sem::atomic_fetch_xor: updated = op(Sem::xor_); break;
    case Sem::atomic_xchg: updated = width == 8 ? operand : operand.truncated(4); break;
    case Sem::atomic_cmpxchg:
      // Either unchanged or the operand.
      updated = old.num.join(width == 8 ? operand : operand.truncated(4));
      break;
    default: break;
  }
  if (updated.is_bottom()) updated = Scalar::of_width(width);
  const Reg stored = Reg::number(updated);
  if (!check_access(s, pc, insn.dst, insn.off, width, true, nullptr, &stored)) return;
  if (base.kind == Kind::stack && base.num.as_constant()) {
    const auto o = static_cast<int>(static_cast<std::int64_t>(*base.num.as_constant()) + insn.off);
    const Zone::Var cvar = Vars::cell(static_cast<int>(base.region), o);
    s.zone.forget(cvar);
    if (s.stacks[base.region].cells.count(static_cast<std::uint16_t>(o)))
      zone_set(s.zone, cvar, updated);
  }
  // The fetched old value: zero-extended from 32 bits (as the load gave it).
  if (info.sem == Sem::atomic_cmpxchg) {
    s.set_reg(0, Reg::number(old.num));
  } else if (isa::writes_src(info.sem)) {
    s.set_reg(insn.src, Reg::number(old.num));
  }
}

void Checker::legacy_packet_load(State& s, const isa::Instruction& insn) {
  const std::uint32_t pc = insn.slot;
  if (program_.type->context != "__sk_buff") {
    return fail(s, pc, AssertionKind::legacy_packet_load,
                "legacy packet loads (ld_abs/ld_ind) need a __sk_buff context",
                "context is __sk_buff");
  }
  if (!readable(s, pc, 6)) return;
  if (s.regs[6].kind != Kind::ctx)
    return fail(s, pc, AssertionKind::legacy_packet_load, "ld_abs/ld_ind need the context in r6",
                "r6.type == ctx", {6});
  if (insn.info().form == Form::ld_ind) {
    if (!readable(s, pc, insn.src)) return;
    if (s.regs[insn.src].kind != Kind::number)
      return fail(s, pc, AssertionKind::legacy_packet_load, "ld_ind with a pointer index",
                  reg_name(insn.src) + ".type == number", {insn.src});
  }
  s.set_reg(0, Reg::number(Scalar::of_width(insn.info().width / 8)));
  for (int r = 1; r <= 5; ++r) s.set_reg(r, Reg{});
}

}  // namespace xbpf::verifier::detail
