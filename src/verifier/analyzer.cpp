#include "verifier/analyzer.h"

#include <algorithm>
#include <span>

namespace xbpf::verifier::detail {
namespace {

using isa::Form;
using isa::Sem;
using progtype::ArgType;
using progtype::FieldKind;

std::string reg_name(int r) { return "r" + std::to_string(r); }

// " + N" or " - N"; 128-bit so that offsets near the 64-bit limits print without overflow.
std::string signed_offset(__int128 off) {
  const auto magnitude = static_cast<unsigned long long>(off < 0 ? -off : off);
  return (off < 0 ? " - " : " + ") + std::to_string(magnitude);
}

void add_bounds(State& s, Zone::Var var, const Scalar& value) {
  if (auto hi = zone_upper(value)) s.zone.add(var, Zone::kZero, *hi);
  if (auto lo = zone_lower(value)) s.zone.add(Zone::kZero, var, -*lo);
}

// a + c without wrapping, exactly (so the zone may say new = old + c).
bool shifts_exactly(const Scalar& before, const Scalar& after, std::int64_t lo, std::int64_t hi) {
  std::int64_t a = 0, b = 0;
  if (__builtin_add_overflow(before.smin(), lo, &a) ||
      __builtin_add_overflow(before.smax(), hi, &b))
    return false;
  return after.smin() == a && after.smax() == b;
}

// A packet_end's value as an offset from data: packet_size + e.
Scalar end_value(const State& s, const Reg& reg) {
  return alu64(Sem::add, s.packet_size,
               Scalar::constant(static_cast<std::uint64_t>(reg.end_offset())));
}

// Whether a value's bounds lie within the zone's limits (its zone variable is then its value,
// exactly, and sums of a few such values do not wrap).
bool bounded(const Scalar& v) { return zone_lower(v) && zone_upper(v); }

// A size_minus's value, packet_size - w (w: its zone variable `var`): the zone bounds it.
Scalar size_minus_value(const State& s, Zone::Var var, const Reg& reg) {
  Scalar v = alu64(Sem::sub, s.packet_size, reg.num);
  if (!bounded(reg.num)) return v;
  const auto hi = s.zone.bound(Vars::packet_size, var);  // packet_size - w <= hi
  const auto lo = s.zone.bound(var, Vars::packet_size);  // w - packet_size <= lo
  Scalar tight = v;
  if (hi) tight.restrict_signed(INT64_MIN, *hi);
  if (lo) tight.restrict_signed(-*lo, INT64_MAX);
  return tight.is_bottom() ? v : tight;
}

// A size_minus used other than as one: the plain number it is.
Reg demoted(const State& s, Zone::Var var, const Reg& reg) {
  if (reg.kind != Kind::size_minus) return reg;
  return Reg::number(size_minus_value(s, var, reg));
}

void demote(State& s, int r) {
  const Reg& reg = s.regs[static_cast<std::size_t>(r)];
  if (reg.kind == Kind::size_minus) s.set_reg(r, demoted(s, reg_var(s, r), reg));
}

bool is_callback_helper(std::int32_t id) { return id == 181 || id == 164; }

// Helpers that may move or resize the packet (Linux's bpf_helper_changes_pkt_data).
bool changes_packet(std::int32_t id) {
  switch (id) {
    case 9:
    case 10:
    case 11:
    case 13:
    case 18:
    case 19:
    case 31:
    case 38:
    case 39:
    case 43:
    case 44:
    case 50:
    case 54:
    case 63:
    case 65:
    case 73:
    case 74:
    case 75:
    case 76:
    case 90:
    case 91: return true;
    default: return false;
  }
}

// Helpers whose result is a reference the program must release.
bool acquires(std::int32_t id) { return id == 131 || id == 84 || id == 85 || id == 99; }

bool packet_writable(progtype::ProgramType type) {
  using progtype::ProgramType;
  switch (type) {
    case ProgramType::xdp:
    case ProgramType::sched_cls:
    case ProgramType::sched_act:
    case ProgramType::lwt_xmit:
    case ProgramType::sk_skb:
    case ProgramType::sk_msg: return true;
    default: return false;
  }
}

// Which map types a helper accepts (Linux's check_map_func_compatibility, both directions).
std::optional<std::string> map_compatibility(std::int32_t helper, std::uint32_t map_type) {
  auto only = [&](std::initializer_list<std::uint32_t> types) -> std::optional<std::string> {
    if (std::find(types.begin(), types.end(), map_type) != types.end()) return std::nullopt;
    return "this helper does not take a map of type " + std::to_string(map_type);
  };
  switch (helper) {
    case 12: return only({kProgArray});
    case 25:
    case 22:
    case 55:
    case 111:
    case 121: return only({kPerfEventArray});
    case 51: return only({kDevmap, kDevmapHash, kCpumap, kXskmap});
    case 87:
    case 88:
    case 89: return only({kQueue, kStack});
    case 130:
    case 131:
    case 134: return only({kRingbuf});
    case 164: return only({kHash, kArray, kPercpuHash, kPercpuArray, kLruHash, kLruPercpuHash});
    default: break;
  }
  // The other direction: maps only some helpers may take.
  switch (map_type) {
    case kProgArray: return "a program array is only used by bpf_tail_call";
    case kPerfEventArray: return "a perf event array is only used by bpf_perf_event_output";
    case kRingbuf: return "a ring buffer is only used by the bpf_ringbuf_* helpers";
    case kQueue:
    case kStack: return "a queue or stack map is only used by bpf_map_push/pop/peek_elem";
    default: return std::nullopt;
  }
}

// Linux's bpf_sock_is_valid_access (and bpf_sock_common_is_valid_access, which also refuses
// type .. priority) for a read of `width` bytes at offset `o` of struct bpf_sock: the fields,
// some of them readable in narrower parts, never the padding after dst_port.
bool sock_read_ok(bool common, std::int64_t o, std::int64_t width) {
  if (o < 0 || o + width > 80 || o % width != 0) return false;
  if (common && o >= 8 && o < 24) return false;
  const bool narrow = width == 1 || width == 2 || width == 4;
  switch (o) {
    case 72:  // state
    case 4:   // family
    case 8:   // type
    case 12:  // protocol
    case 44:  // src_port
    case 76:  // rx_queue_mapping
      return narrow;
    default: break;
  }
  if ((o >= 24 && o < 44) || (o >= 52 && o < 72)) return narrow;  // src_ip4/6, dst_ip4/6
  if (o == 48) return narrow;                                     // dst_port (and its pad)
  if (o == 49) return width == 1;
  if (o >= 50 && o < 52) return false;
  return width == 4;
}

// The little-endian value of stack bytes [lo, lo + width) when every one of them belongs to a
// cell holding a constant number.
std::optional<std::uint64_t> constant_bytes(const StackFrame& stack, int lo, int width) {
  std::uint64_t value = 0;
  for (int b = lo; b < lo + width; ++b) {
    auto it = stack.cells.upper_bound(static_cast<std::uint16_t>(b));
    if (it == stack.cells.begin()) return std::nullopt;
    --it;
    const Cell& cell = it->second;
    if (b >= it->first + cell.width || cell.value.kind != Kind::number) return std::nullopt;
    const auto c = cell.value.num.as_constant();
    if (!c) return std::nullopt;
    const std::uint64_t byte = (*c >> (8 * (b - it->first))) & 0xff;
    value |= byte << (8 * (b - lo));
  }
  return value;
}

// Sizes of the socket structs programs may read (struct bpf_sock, bpf_tcp_sock).
constexpr std::uint32_t kBpfSockSize = 80;
constexpr std::uint32_t kBpfTcpSockSize = 112;
constexpr std::uint32_t kFlowKeysSize = 56;

}  // namespace

bool Checker::takes_callback(std::int32_t helper) { return is_callback_helper(helper); }

const object::MapDefinition* Checker::map(std::uint32_t region) const {
  region &= ~kKeyRegion;
  if (region >= program_.maps.size()) return nullptr;
  return &program_.maps[region];
}

void Checker::fail(State& s, std::uint32_t pc, std::string message, std::string assertion,
                   std::initializer_list<int> regs) {
  ++failures_;
  if (errors_) {
    Diagnostic d;
    d.pc = pc;
    d.message = std::move(message);
    d.assertion = std::move(assertion);
    for (int r : regs) d.state += s.describe_reg(r) + "\n";
    d.state += s.describe_stack();
    errors_->push_back(std::move(d));
  }
  s = State::make_bottom();
}

bool Checker::readable(State& s, std::uint32_t pc, int r) {
  const Reg& reg = s.regs[static_cast<std::size_t>(r)];
  if (reg.kind != Kind::uninit) return true;
  fail(s, pc, reg_name(r) + " is read before it is initialised", reg_name(r) + ".type != uninit",
       {r});
  return false;
}

// ---- ALU ----

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
  const bool is64 = info.width == 64;
  const Sem sem = info.sem;
  const bool from_reg = info.form == Form::alu_reg || info.form == Form::alu_movsx;
  const bool reads_dst = sem != Sem::mov && info.form != Form::alu_movsx;
  if (from_reg && !readable(s, pc, insn.src)) return;
  if (reads_dst && !readable(s, pc, d)) return;
  const Zone::Var dvar = reg_var(s, d);

  Reg src;
  if (from_reg) {
    src = s.regs[insn.src];
  } else if (info.form == Form::alu_imm) {
    const std::int64_t imm = insn.imm;
    src = Reg::number(Scalar::constant(is64 ? static_cast<std::uint64_t>(imm)
                                            : static_cast<std::uint32_t>(insn.imm)));
  } else {
    src = Reg::number(Scalar::constant(0));
  }
  Reg dst = s.regs[static_cast<std::size_t>(d)];

  if (info.form == Form::byteswap) {
    if (dst.kind != Kind::number) {
      return fail(s, pc, "byte swap of a " + std::string(kind_name(dst.kind)),
                  reg_name(d) + ".type == number", {d});
    }
    s.set_reg(d, Reg::number(byte_swap(sem, static_cast<unsigned>(insn.imm), dst.num)));
    return;
  }

  // Copies.
  if (sem == Sem::mov && info.form != Form::alu_movsx) {
    if (is64) {
      s.set_reg(d, src);
      if (from_reg && src.kind != Kind::packet_end && src.kind != Kind::mixed)
        s.zone.assign(dvar, reg_var(s, insn.src), 0);
      return;
    }
    if (src.kind == Kind::packet_neg) {
      return fail(s, pc,
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
      return fail(s, pc,
                  "32-bit copy of a pointer (" + reg_name(insn.src) + " is " + describe(src) +
                      "): the low half of an address may only start a 32-bit pointer "
                      "difference, w" +
                      std::to_string(d) + " = w" + std::to_string(insn.src) + "; w" +
                      std::to_string(d) + " -= wN",
                  reg_name(insn.src) + ".type == number", {insn.src});
    }
    const Scalar value = src.num.truncated(4);
    if (from_reg && insn.src == d && src.num.smin() >= 0 && src.num.umax() <= UINT32_MAX)
      return;  // w2 = w2 on a value below 2^32: unchanged, relations kept
    s.set_reg(d, Reg::number(value));
    if (from_reg && src.num.smin() >= 0 && src.num.umax() <= UINT32_MAX)
      s.zone.assign(dvar, reg_var(s, insn.src), 0);
    return;
  }

  const bool dst_ptr = is_pointer(dst.kind);
  const bool src_ptr = is_pointer(src.kind);
  if (dst.kind == Kind::mixed || src.kind == Kind::mixed) {
    const int r = dst.kind == Kind::mixed ? d : insn.src;
    return fail(s, pc,
                reg_name(r) +
                    " holds a pointer on some paths and a number on others; arithmetic "
                    "on it is not allowed",
                reg_name(r) + ".type == number", {r});
  }
  if (packet_arithmetic(s, insn, dst, src)) return;
  if (!dst_ptr && !src_ptr) {
    if (!options_.allow_division_by_zero &&
        (sem == Sem::div || sem == Sem::mod || sem == Sem::sdiv || sem == Sem::smod) &&
        (is64 ? src.num : src.num.low32()).contains(0)) {
      return fail(s, pc, "the divisor may be zero",
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
    return;
  }

  // Pointer arithmetic: pointer +/- number, number + pointer, pointer - pointer.
  const int preg = dst_ptr ? d : insn.src;
  const Reg& ptr = dst_ptr ? dst : src;
  if (sem == Sem::sub && dst_ptr && src_ptr && dst.kind != Kind::packet_neg &&
      src.kind != Kind::packet_neg) {
    // The distance between two pointers is a number; exact for the same region (and between
    // the packet and its end), unknown otherwise (as Linux, for privileged programs).
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
    return;
  }
  if (!is64) {
    return fail(s, pc,
                "32-bit arithmetic on a pointer (" + reg_name(preg) + " is " + describe(ptr) + ")",
                reg_name(preg) + ".type == number", {preg});
  }
  if (dst_ptr && src_ptr) {
    return fail(s, pc,
                "arithmetic between two pointers (" + describe(dst) + " and " + describe(src) +
                    "); only the difference of two pointers into the same region is allowed",
                reg_name(d) + ".type == " + reg_name(insn.src) + ".type", {d, insn.src});
  }
  const bool additive = sem == Sem::add || (sem == Sem::sub && dst_ptr);
  if (!additive) {
    return fail(s, pc,
                "operation on a pointer other than adding or subtracting a number (" +
                    reg_name(preg) + " is " + describe(ptr) + ")",
                reg_name(preg) + ".type == number", {preg});
  }
  if (ptr.nullable) {
    return fail(s, pc,
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
      return fail(s, pc, "arithmetic on a " + std::string(kind_name(ptr.kind)) + " pointer",
                  reg_name(preg) + ".type in {ctx, stack, packet, map_value, ringbuf_mem}", {preg});
  }
  const Reg& number = dst_ptr ? src : dst;
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
  const bool keep_relation = sem == Sem::add && preg != d &&
                             shifts_exactly(ptr.num, offset, number.num.smin(), number.num.smax());
  const bool keep_self = sem == Sem::add && preg == d &&
                         shifts_exactly(ptr.num, offset, number.num.smin(), number.num.smax());
  if (keep_self) {
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
  if (keep_relation) {
    if (auto hi = zone_upper(number.num)) s.zone.add(dvar, pvar, *hi);
    if (auto lo = zone_lower(number.num)) s.zone.add(pvar, dvar, -*lo);
  }
}

bool Checker::packet_arithmetic(State& s, const isa::Instruction& insn, const Reg& dst,
                                const Reg& src) {
  const isa::OpInfo& info = insn.info();
  const std::uint32_t pc = insn.slot;
  const int d = insn.dst;
  const bool is64 = info.width == 64;
  const Sem sem = info.sem;
  const bool from_reg = info.form == Form::alu_reg;
  const Zone::Var dvar = reg_var(s, d);
  const Zone::Var svar = from_reg ? reg_var(s, insn.src) : Zone::kZero;
  if (info.form == Form::alu_movsx && src.kind != Kind::packet_neg) return false;  // dst unread
  const bool involved = dst.kind == Kind::packet_neg || src.kind == Kind::packet_neg ||
                        dst.kind == Kind::size_minus || src.kind == Kind::size_minus ||
                        dst.kind == Kind::packet_end;
  if (!involved && !(dst.kind == Kind::packet && !dst.nullable)) return false;
  const bool negate = is64 && (info.form == Form::alu_neg ||
                               (info.form == Form::alu_imm && sem == Sem::xor_ && insn.imm == -1));
  const auto constant = [](const Reg& r) -> std::optional<std::int64_t> {
    if (r.kind != Kind::number) return std::nullopt;
    const auto c = r.num.as_constant();
    if (!c) return std::nullopt;
    const auto v = static_cast<std::int64_t>(*c);
    if (v <= -Zone::kLimit || v >= Zone::kLimit) return std::nullopt;
    return v;
  };
  // x := x + delta, exactly (the zone keeps x's relations) or by bounds only.
  auto shift_to = [&](Reg result, std::int64_t delta) {
    const Scalar before = s.regs[static_cast<std::size_t>(d)].num;
    result.num = alu64(Sem::add, before, Scalar::constant(static_cast<std::uint64_t>(delta)));
    if (bounded(before) && shifts_exactly(before, result.num, delta, delta)) {
      s.regs[static_cast<std::size_t>(d)] = result;
      s.zone.assign(dvar, dvar, delta);
      add_bounds(s, dvar, result.num);
    } else {
      s.set_reg(d, result);
    }
  };

  // ~p == -(data + a) - 1 == -data - (a + 1); -p == -data - a. And back.
  if (negate && (dst.kind == Kind::packet || dst.kind == Kind::packet_neg) && !dst.nullable) {
    Reg result = dst;
    result.kind = dst.kind == Kind::packet ? Kind::packet_neg : Kind::packet;
    result.id = 0;
    if (info.form == Form::alu_neg) {
      s.regs[static_cast<std::size_t>(d)] = result;  // the same offset
    } else {
      shift_to(result, dst.kind == Kind::packet ? 1 : -1);
    }
    return true;
  }
  if (dst.kind == Kind::packet && src.kind != Kind::packet_neg) return false;

  // packet_end + c: its offset from data_end moves (kept small: it is an int32 in the Reg).
  if (dst.kind == Kind::packet_end && src.kind != Kind::packet_neg) {
    const auto c = constant(src);
    if (!is64 || (sem != Sem::add && sem != Sem::sub) || !c || dst.nullable) return false;
    const std::int64_t e = dst.end_offset() + (sem == Sem::add ? *c : -*c);
    if (e < -kMaxPacketSize || e > kMaxPacketSize) return false;
    Reg result = dst;
    result.size = static_cast<std::uint32_t>(static_cast<std::int32_t>(e));
    s.set_reg(d, result);
    return true;
  }

  auto refuse = [&](int r, const Reg& value) {
    fail(s, pc,
         "operation on a " + std::string(kind_name(value.kind)) + " (" + reg_name(r) + " is " +
             describe(value) +
             "): only adding or subtracting a constant, or adding a packet pointer or "
             "packet_end to a negated packet pointer, is allowed",
         reg_name(r) + ".type not in {packet_neg, size_minus}", {r});
    return true;
  };

  // size_minus +/- c: packet_size - w + c == packet_size - (w - c).
  if (dst.kind == Kind::size_minus || src.kind == Kind::size_minus) {
    const auto c = constant(src);
    if (dst.kind == Kind::size_minus && is64 && (sem == Sem::add || sem == Sem::sub) && c) {
      shift_to(dst, sem == Sem::add ? -*c : *c);
      return true;
    }
    return refuse(dst.kind == Kind::size_minus ? d : insn.src,
                  dst.kind == Kind::size_minus ? dst : src);
  }

  // From here a negated packet pointer takes part.
  const bool dst_neg = dst.kind == Kind::packet_neg;
  const Reg& neg = dst_neg ? dst : src;
  const int nreg = dst_neg ? d : insn.src;
  const Reg& other = dst_neg ? src : dst;
  const Zone::Var nvar = dst_neg ? dvar : svar;
  const Zone::Var ovar = dst_neg ? svar : dvar;
  if (!is64) return refuse(nreg, neg);

  // -data - o +/- n: o' = o -/+ n.
  if (other.kind == Kind::number && (sem == Sem::add || (sem == Sem::sub && dst_neg))) {
    if (const auto c = constant(other); c && dst_neg) {
      shift_to(dst, sem == Sem::add ? -*c : *c);
      return true;
    }
    Reg result = neg;
    result.num =
        sem == Sem::add ? alu64(Sem::sub, neg.num, other.num) : alu64(Sem::add, neg.num, other.num);
    const auto c = constant(other);
    const bool related =
        c && !dst_neg && bounded(neg.num) && shifts_exactly(neg.num, result.num, -*c, -*c);
    s.set_reg(d, result);
    if (related) {
      s.zone.assign(dvar, nvar, -*c);  // number c + neg: o' = o - c
      add_bounds(s, dvar, result.num);
    }
    return true;
  }

  if (sem != Sem::add || !from_reg || other.nullable) return refuse(nreg, neg);

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
          return true;
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
    return true;
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
    return true;
  }
  return refuse(nreg, neg);
}

// ---- lddw ----

void Checker::load_immediate(State& s, const isa::Instruction& insn) {
  const int d = insn.dst;
  switch (insn.info().sem) {
    case Sem::imm64: s.set_reg(d, Reg::number(Scalar::constant(insn.imm64()))); return;
    case Sem::map_by_fd:
    case Sem::map_by_idx: {
      const auto index = static_cast<std::uint32_t>(insn.imm);
      if (!map(index)) {
        return fail(s, insn.slot,
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
            s, insn.slot,
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
      return fail(s, insn.slot,
                  "lddw with pseudo source " + std::to_string(insn.src) +
                      " (a kernel variable) is not supported",
                  "src in {0, 1, 2, 4, 5, 6}");
  }
}

// ---- memory ----

void Checker::stack_write(State& s, std::uint32_t frame, const Scalar& offset, unsigned width,
                          const Reg* value) {
  StackFrame& stack = s.stacks[frame];
  const auto lo = static_cast<int>(offset.smin());
  const auto hi = static_cast<int>(offset.smax());
  note_stack(frame, lo);
  // Cells overlapping what may be written are gone (a pointer's other bytes stay initialised,
  // as a number); the bytes a store at a known offset leaves of a constant stay known, each a
  // one-byte cell.
  std::vector<std::pair<int, std::uint64_t>> kept;
  for (auto it = stack.cells.begin(); it != stack.cells.end();) {
    const int start = it->first, end = it->first + it->second.width;
    if (start < hi + static_cast<int>(width) && end > lo) {
      const auto c =
          it->second.value.kind == Kind::number ? it->second.value.num.as_constant() : std::nullopt;
      for (int b = start; c && lo == hi && b < end; ++b) {
        if (b < lo || b >= lo + static_cast<int>(width))
          kept.emplace_back(b, (*c >> (8 * (b - start))) & 0xff);
      }
      s.zone.forget(Vars::cell(static_cast<int>(frame), start));
      it = stack.cells.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [b, byte] : kept) {
    stack.cells[static_cast<std::uint16_t>(b)] = Cell{1, Reg::number(Scalar::constant(byte))};
    zone_set(s.zone, Vars::cell(static_cast<int>(frame), b), Scalar::constant(byte));
  }
  for (int b = hi; b < lo + static_cast<int>(width); ++b)
    stack.init.set(static_cast<std::size_t>(b));
  if (value && lo == hi) {
    stack.cells[static_cast<std::uint16_t>(lo)] = Cell{static_cast<std::uint8_t>(width), *value};
  }
}

bool Checker::check_access(State& s, std::uint32_t pc, int r, std::int16_t off, unsigned width,
                           bool write, Reg* loaded, const Reg* stored) {
  const Reg reg = s.regs[static_cast<std::size_t>(r)];
  const std::string access = std::string(write ? "write" : "read") + " of " +
                             std::to_string(width) + " bytes at " + reg_name(r) +
                             signed_offset(off);
  if (reg.kind == Kind::uninit) return readable(s, pc, r);
  if (!is_pointer(reg.kind) || reg.kind == Kind::packet_end || reg.kind == Kind::map_ptr ||
      reg.kind == Kind::func || reg.kind == Kind::btf_id || reg.kind == Kind::packet_neg ||
      reg.kind == Kind::size_minus) {
    fail(s, pc, access + ": " + reg_name(r) + " is not a pointer to memory (" + describe(reg) + ")",
         reg_name(r) + ".type in {ctx, stack, packet, map_value, ringbuf_mem}", {r});
    return false;
  }
  if (reg.nullable) {
    fail(s, pc,
         access + ": " + reg_name(r) + " may be NULL (" + describe(reg) +
             "): compare it with 0 first",
         reg_name(r) + " != NULL", {r});
    return false;
  }
  // An opaque `mixed` (or a type set with too many combinations to split) may hold a pointer.
  if (stored && (is_pointer(stored->kind) || stored->kind == Kind::mixed) &&
      reg.kind != Kind::stack) {
    fail(s, pc,
         access + ": stores a pointer (" + describe(*stored) + ") into " +
             std::string(kind_name(reg.kind)) +
             " memory; pointers may only be spilled to the stack",
         "stored value is a number", {r});
    return false;
  }
  const Scalar at =
      alu64(Sem::add, reg.num, Scalar::constant(static_cast<std::uint64_t>(std::int64_t{off})));
  const std::int64_t lo = at.smin(), hi = at.smax();
  const std::int64_t w = width;
  auto out_of_bounds = [&](std::int64_t size, std::string_view region) {
    fail(s, pc,
         access + " is outside the " + std::string(region) + " (offset " + at.to_string() +
             ", size " + std::to_string(size) + ")",
         "0 <= " + reg_name(r) + ".offset" + signed_offset(off) + " && " + reg_name(r) + ".offset" +
             signed_offset(__int128{off} + width) + " <= " + std::to_string(size),
         {r});
    return false;
  };
  auto in_bounds = [&](std::int64_t size) { return lo >= 0 && hi <= size - w && hi >= lo; };
  const progtype::ProgramTypeInfo& type = *program_.type;

  switch (reg.kind) {
    case Kind::ctx: {
      if (!at.as_constant()) {
        fail(s, pc, access + ": the context is accessed at a variable offset " + at.to_string(),
             reg_name(r) + ".offset is constant", {r});
        return false;
      }
      const auto o = static_cast<std::int64_t>(*at.as_constant());
      if (o < 0 || o + w > type.context_size) return out_of_bounds(type.context_size, "context");
      const progtype::ContextField* field = type.field_at(static_cast<std::uint32_t>(o));
      const bool any_read = type.any_context_read && o >= type.any_read_from && !write;
      if (!any_read) {
        if (!field || o + w > field->offset + field->size) {
          fail(s, pc,
               access + ": offset " + std::to_string(o) + " of " + std::string(type.context) +
                   (field ? " crosses the end of field " + std::string(field->name)
                          : " is not a field " + std::string(type.name) + " programs may read"),
               "valid context field", {r});
          return false;
        }
        if (write && !field->writable) {
          fail(s, pc,
               access + ": field " + std::string(field->name) + " of " + std::string(type.context) +
                   " is read-only in " + std::string(type.name) + " programs",
               std::string(field->name) + " is writable", {r});
          return false;
        }
        if (field->kind != FieldKind::scalar && (o != field->offset || w != field->size)) {
          fail(s, pc,
               access + ": field " + std::string(field->name) +
                   " holds a pointer and must be read whole (" + std::to_string(field->size) +
                   " bytes at offset " + std::to_string(field->offset) + ")",
               "whole-field access", {r});
          return false;
        }
      }
      if (loaded) {
        const FieldKind kind = any_read || !field ? FieldKind::scalar : field->kind;
        switch (kind) {
          case FieldKind::scalar: *loaded = Reg::number(Scalar::of_width(width)); break;
          case FieldKind::packet_start:
            *loaded = Reg::pointer(Kind::packet, 0, Scalar::constant(0));
            break;
          case FieldKind::packet_end:
            *loaded = Reg{Kind::packet_end, false, 0, 0, 0, s.packet_size, nullptr};
            break;
          case FieldKind::packet_meta:
            *loaded = Reg::pointer(Kind::packet, 0, s.meta_offset);
            break;
          case FieldKind::socket:
            *loaded = Reg::pointer(Kind::socket, 0, Scalar::constant(0));
            break;
          case FieldKind::socket_or_null:
            *loaded = Reg::pointer(Kind::socket, 0, Scalar::constant(0));
            loaded->nullable = true;
            loaded->id = 0x40000000U | (pc << 4);
            break;
          case FieldKind::sock_common_or_null:
            *loaded = Reg::pointer(Kind::sock_common, 0, Scalar::constant(0));
            loaded->nullable = true;
            loaded->id = 0x40000000U | (pc << 4);
            break;
          case FieldKind::flow_keys:
            *loaded = Reg::pointer(Kind::flow_keys, 0, Scalar::constant(0));
            break;
        }
      }
      return true;
    }
    case Kind::stack: {
      if (reg.region > static_cast<std::uint32_t>(s.frame)) {
        fail(s, pc, access + ": the stack frame " + reg_name(r) + " points to has returned",
             "frame is live", {r});
        return false;
      }
      if (!in_bounds(kStackBytes)) {
        fail(s, pc,
             access + " is outside the stack (r10 - 512 .. r10): offset " + "r10" +
                 signed_offset(__int128{lo} - kStackBytes) +
                 (lo == hi ? "" : " .. r10" + signed_offset(__int128{hi} - kStackBytes)),
             "r10 - 512 <= " + reg_name(r) + signed_offset(off) + " && " + reg_name(r) +
                 signed_offset(off + static_cast<std::int64_t>(width)) + " <= r10",
             {r});
        return false;
      }
      StackFrame& stack = s.stacks[reg.region];
      if (write) {
        if (stored && is_pointer(stored->kind) && (lo != hi || width != 8 || lo % 8 != 0)) {
          fail(s, pc,
               access +
                   ": a pointer is spilled with a size other than 8 or at a variable or unaligned "
                   "offset",
               "8-byte aligned spill", {r});
          return false;
        }
        Reg value;
        const Reg* cell_value = nullptr;
        if (stored && stored->kind != Kind::uninit) {
          value = *stored;
          if (value.kind == Kind::number && width < 8) value.num = value.num.truncated(width);
          cell_value = &value;
        }
        stack_write(s, reg.region, at, width, cell_value);
        // Through a computed pointer (a buffer filled in a loop): the initialised range.
        if (r != 10 || !at.as_constant())
          s.note_stack_write(static_cast<int>(reg.region), reg_var(s, r), off, width, true);
        return true;
      }
      note_stack(reg.region, static_cast<int>(lo));
      s.materialize_init(static_cast<int>(reg.region));
      for (std::int64_t b = lo; b < hi + w; ++b) {
        if (!stack.init[static_cast<std::size_t>(b)]) {
          fail(s, pc,
               access + " reads stack byte r10" + signed_offset(b - kStackBytes) +
                   ", which is not initialised",
               "r10" + signed_offset(b - kStackBytes) + " is initialised", {r});
          return false;
        }
      }
      Reg value = Reg::number(Scalar::of_width(width));
      for (const auto& [start, cell] : stack.cells) {
        const std::int64_t end = start + cell.width;
        if (start >= hi + w || end <= lo) continue;
        if (lo == hi && start == lo && cell.width == width) {
          value = cell.value;
          break;
        }
        if (is_pointer(cell.value.kind) || cell.value.kind == Kind::mixed) {
          fail(s, pc, access + " reads part of a spilled pointer (" + describe(cell.value) + ")",
               "whole-slot fill", {r});
          return false;
        }
        if (lo == hi && start == lo && cell.width > width)
          value = Reg::number(cell.value.num.truncated(width));
      }
      // Bytes of several stores (or inside one) whose values are known.
      if (lo == hi && value.kind == Kind::number && !value.num.as_constant()) {
        if (auto c = constant_bytes(stack, static_cast<int>(lo), static_cast<int>(w)))
          value = Reg::number(Scalar::constant(*c));
      }
      if (loaded) *loaded = value;
      return true;
    }
    case Kind::packet: {
      if (write && !packet_writable(type.type)) {
        fail(s, pc, access + ": " + std::string(type.name) + " programs may not write the packet",
             "packet is writable", {r});
        return false;
      }
      const Zone::Var var = reg_var(s, r);
      // Upper: offset + off + width <= packet_size.
      bool upper = hi <= s.packet_size.smin() - w;
      if (!upper) {
        if (auto b = s.zone.bound(var, Vars::packet_size)) upper = *b + off + w <= 0;
      }
      bool lower = lo >= s.meta_offset.smax();
      if (!lower) {
        if (auto b = s.zone.bound(Vars::meta_offset, var)) lower = *b <= off;
      }
      if (!upper || !lower) {
        fail(s, pc,
             access + " is not proven inside the packet: " +
                 // Before the packet first: a data_end check cannot mend that.
                 (!lower ? "it may start before data_meta"
                         : "compare " + reg_name(r) +
                               signed_offset(off + static_cast<std::int64_t>(width)) +
                               " with data_end first") +
                 " (offset " + at.to_string() + ", packet size " + s.packet_size.to_string() + ")",
             !lower ? reg_name(r) + ".offset" + signed_offset(off) + " >= meta_offset"
                    : reg_name(r) + ".offset" +
                          signed_offset(off + static_cast<std::int64_t>(width)) + " <= packet_size",
             {r});
        return false;
      }
      if (loaded) *loaded = Reg::number(Scalar::of_width(width));
      return true;
    }
    case Kind::map_value: {
      const object::MapDefinition* m = map(reg.region);
      const bool key = (reg.region & kKeyRegion) != 0;
      const std::int64_t size = key ? m->key_size : m->value_size;
      if (!in_bounds(size)) return out_of_bounds(size, key ? "map key" : "map value");
      if (write && (key || m->frozen())) {
        fail(s, pc,
             access + ": " +
                 (key ? std::string("a map key") : "map " + m->name + " (read-only data)") +
                 " may not be written",
             "region is writable", {r});
        return false;
      }
      if (!key && m->spin_lock_offset >= 0 && lo < m->spin_lock_offset + 4 &&
          hi + w > m->spin_lock_offset) {
        fail(s, pc,
             access + " touches the bpf_spin_lock of map " + m->name +
                 "; only bpf_spin_lock/unlock may",
             "access outside the spin lock", {r});
        return false;
      }
      if (loaded) *loaded = Reg::number(Scalar::of_width(width));
      return true;
    }
    case Kind::ringbuf_mem: {
      if (!in_bounds(reg.size)) return out_of_bounds(reg.size, "ring buffer reservation");
      if (loaded) *loaded = Reg::number(Scalar::of_width(width));
      return true;
    }
    case Kind::socket:
    case Kind::sock_common:
    case Kind::tcp_sock:
    case Kind::flow_keys: {
      const std::int64_t size = reg.kind == Kind::tcp_sock    ? kBpfTcpSockSize
                                : reg.kind == Kind::flow_keys ? kFlowKeysSize
                                                              : kBpfSockSize;
      if (!in_bounds(size))
        return out_of_bounds(size, std::string(kind_name(reg.kind)) + " struct");
      if (write && reg.kind != Kind::flow_keys) {
        fail(s, pc, access + ": sockets are read-only", "region is writable", {r});
        return false;
      }
      if ((reg.kind == Kind::socket || reg.kind == Kind::sock_common) &&
          (lo != hi || !sock_read_ok(reg.kind == Kind::sock_common, lo, w))) {
        fail(s, pc,
             access + ": offset " + at.to_string() + " of struct bpf_sock" +
                 (reg.kind == Kind::sock_common ? " (common fields)" : "") +
                 " is not a field that may be read with this width",
             "valid bpf_sock field", {r});
        return false;
      }
      if (loaded) *loaded = Reg::number(Scalar::of_width(width));
      return true;
    }
    default: break;
  }
  fail(s, pc, access + ": not a pointer to memory", "pointer to memory", {r});
  return false;
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
    return fail(s, pc, "atomic operation with a pointer operand (" + describe(value) + ")",
                reg_name(insn.src) + ".type == number", {insn.src});
  }
  const Reg base = s.regs[insn.dst];
  if (base.kind != Kind::stack && base.kind != Kind::map_value && base.kind != Kind::ringbuf_mem) {
    return fail(s, pc,
                "atomic operation on " + std::string(kind_name(base.kind)) +
                    " memory; only the stack, map values and ring buffer reservations allow "
                    "atomics",
                reg_name(insn.dst) + ".type in {stack, map_value, ringbuf_mem}", {insn.dst});
  }
  if (info.sem == Sem::atomic_cmpxchg) {
    if (!readable(s, pc, 0)) return;
    if (s.regs[0].kind != Kind::number)
      return fail(s, pc, "cmpxchg compares with r0, which holds a pointer", "r0.type == number",
                  {0});
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
    return fail(s, pc,
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
    return fail(s, pc, "atomic operation on a spilled pointer", "memory holds a number",
                {insn.dst});
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
    return fail(s, pc, "legacy packet loads (ld_abs/ld_ind) need a __sk_buff context",
                "context is __sk_buff");
  }
  if (!readable(s, pc, 6)) return;
  if (s.regs[6].kind != Kind::ctx)
    return fail(s, pc, "ld_abs/ld_ind need the context in r6", "r6.type == ctx", {6});
  if (insn.info().form == Form::ld_ind) {
    if (!readable(s, pc, insn.src)) return;
    if (s.regs[insn.src].kind != Kind::number)
      return fail(s, pc, "ld_ind with a pointer index", reg_name(insn.src) + ".type == number",
                  {insn.src});
  }
  s.set_reg(0, Reg::number(Scalar::of_width(insn.info().width / 8)));
  for (int r = 1; r <= 5; ++r) s.set_reg(r, Reg{});
}

// ---- helpers ----

void Checker::invalidate_packet(State& s) const {
  // A type set with a packet member is a packet pointer on some path: as unusable.
  auto is_packet = [](const Reg& reg) {
    return reg.any_type([](const Reg& m) {
      return m.kind == Kind::packet || m.kind == Kind::packet_end || m.kind == Kind::packet_neg;
    });
  };
  // Numbers expressed through the packet size become plain numbers while it is known.
  for (int r = 0; r < 11; ++r) demote(s, r);
  for (std::size_t f = 0; f < s.callers.size(); ++f) {
    for (std::size_t r = 0; r < 11; ++r) {
      Reg& reg = s.callers[f][r];
      if (reg.kind != Kind::size_minus) continue;
      const Zone::Var var = Vars::reg(static_cast<int>(f), static_cast<int>(r));
      reg = demoted(s, var, reg);
      zone_set(s.zone, var, reg.num);
    }
  }
  for (std::size_t f = 0; f < s.stacks.size(); ++f) {
    for (auto& [offset, cell] : s.stacks[f].cells) {
      if (cell.value.kind != Kind::size_minus) continue;
      const Zone::Var var = Vars::cell(static_cast<int>(f), offset);
      cell.value = demoted(s, var, cell.value);
      zone_set(s.zone, var, cell.value.num);
    }
  }
  auto clear = [&](Reg& reg) {
    if (is_packet(reg)) reg = Reg{};
  };
  for (int r = 0; r < 11; ++r) {
    if (is_packet(s.regs[static_cast<std::size_t>(r)])) s.set_reg(r, Reg{});
  }
  for (auto& frame : s.callers) {
    for (auto& reg : frame) clear(reg);
  }
  for (std::size_t f = 0; f < s.stacks.size(); ++f) {
    auto& cells = s.stacks[f].cells;
    for (auto it = cells.begin(); it != cells.end();) {
      if (is_packet(it->second.value)) {
        s.zone.forget(Vars::cell(static_cast<int>(f), it->first));
        it = cells.erase(it);
      } else {
        ++it;
      }
    }
  }
  s.zone.forget(Vars::packet_size);
  s.zone.forget(Vars::meta_offset);
  s.packet_size = Scalar::unsigned_range(0, kMaxPacketSize);
  zone_set(s.zone, Vars::packet_size, s.packet_size);
  if (program_.type->type == progtype::ProgramType::xdp) {
    s.meta_offset = Scalar::signed_range(-4096, 0);
    zone_set(s.zone, Vars::meta_offset, s.meta_offset);
  }
}

void Checker::release(State& s, std::uint32_t id) const {
  s.references.erase(std::remove(s.references.begin(), s.references.end(), id), s.references.end());
  for (int r = 0; r < 11; ++r) {
    if (s.regs[static_cast<std::size_t>(r)].id == id) s.set_reg(r, Reg{});
  }
  for (auto& frame : s.callers) {
    for (auto& reg : frame) {
      if (reg.id == id) reg = Reg{};
    }
  }
  for (auto& stack : s.stacks) {
    for (auto it = stack.cells.begin(); it != stack.cells.end();) {
      it = it->second.value.id == id ? stack.cells.erase(it) : std::next(it);
    }
  }
}

bool Checker::check_mem_arg(State& s, std::uint32_t pc, int r, const Scalar& size, bool write,
                            bool nullable_ok, std::string_view what) {
  const Reg reg = s.regs[static_cast<std::size_t>(r)];
  if (nullable_ok && reg.kind == Kind::number && reg.num.as_constant() == 0) return true;
  if (size.umax() > (std::uint64_t{1} << 29)) {
    fail(s, pc, std::string(what) + ": its size is not bounded (" + size.to_string() + ")",
         "size <= " + std::to_string(std::uint64_t{1} << 29), {r});
    return false;
  }
  if (size.umax() == 0) return true;
  switch (reg.kind) {
    case Kind::stack:
    case Kind::packet:
    case Kind::map_value:
    case Kind::ringbuf_mem: break;
    default:
      fail(s, pc,
           std::string(what) + " must point to memory (the stack, the packet, a map value), not " +
               describe(reg),
           reg_name(r) + ".type in {stack, packet, map_value, ringbuf_mem}", {r});
      return false;
  }
  if (reg.nullable) {
    fail(s, pc, std::string(what) + ": " + reg_name(r) + " may be NULL (" + describe(reg) + ")",
         reg_name(r) + " != NULL", {r});
    return false;
  }
  // The whole range [offset, offset + size.umax) must be accessible: check its first byte at
  // the lowest offset and the last at the highest, with 1-byte accesses, on a copy (so that
  // reads do not count as writes).
  const auto span = static_cast<unsigned>(size.umax());
  if (reg.kind == Kind::stack && !write) {
    // Every byte must be initialised.
    if (reg.region > static_cast<std::uint32_t>(s.frame) || reg.num.smin() < 0 ||
        reg.num.smax() > kStackBytes - static_cast<std::int64_t>(span)) {
      fail(s, pc,
           std::string(what) + " is outside the stack: offset " + reg.num.to_string() + ", size " +
               std::to_string(span),
           "r10 - 512 <= " + reg_name(r) + " && " + reg_name(r) + " + size <= r10", {r});
      return false;
    }
    note_stack(reg.region, static_cast<int>(reg.num.smin()));
    // Spilled pointers may be read by helpers (Linux, privileged); bytes must be initialised.
    s.materialize_init(static_cast<int>(reg.region));
    const StackFrame& stack = s.stacks[reg.region];
    for (std::int64_t b = reg.num.smin(); b < reg.num.smax() + static_cast<std::int64_t>(span);
         ++b) {
      if (!stack.init[static_cast<std::size_t>(b)]) {
        fail(s, pc,
             std::string(what) + " reads stack byte r10" + signed_offset(b - kStackBytes) +
                 ", which is not initialised",
             "r10" + signed_offset(b - kStackBytes) + " is initialised", {r});
        return false;
      }
    }
    return true;
  }
  State probe = s;
  const Reg number = Reg::number(Scalar::of_width(1));
  if (!check_access(probe, pc, r, 0, 1, write, nullptr, write ? &number : nullptr)) {
    s = State::make_bottom();
    return false;
  }
  // The last byte. An access's offset is 16 bits: past that, the copy's pointer moves to the
  // byte first (as `r += size - 1` would, zone included). fuzz_verifier found sizes of 128 MiB
  // that, truncated to 16 bits, pointed inside the region.
  std::int16_t last = static_cast<std::int16_t>(span - 1);
  if (span - 1 > 0x7fff) {
    isa::Instruction advance;
    advance.op = isa::Op::add64_imm;
    advance.dst = static_cast<std::uint8_t>(r);
    advance.imm = static_cast<std::int32_t>(span - 1);
    advance.slot = pc;
    alu(probe, advance);
    last = 0;
  }
  if (probe.bottom ||
      !check_access(probe, pc, r, last, 1, write, nullptr, write ? &number : nullptr)) {
    s = State::make_bottom();
    return false;
  }
  if (write && reg.kind == Kind::stack) {
    // What the helper writes becomes initialised (the bytes it surely writes).
    const Scalar offset = reg.num;
    const auto lo = static_cast<int>(offset.smin()), hi = static_cast<int>(offset.smax());
    StackFrame& stack = s.stacks[reg.region];
    for (auto it = stack.cells.begin(); it != stack.cells.end();) {
      const int start = it->first, end = it->first + it->second.width;
      if (start < hi + static_cast<int>(span) && end > lo) {
        s.zone.forget(Vars::cell(static_cast<int>(reg.region), start));
        it = stack.cells.erase(it);
      } else {
        ++it;
      }
    }
    for (int b = hi; b < lo + static_cast<int>(size.umin()); ++b)
      stack.init.set(static_cast<std::size_t>(b));
    note_stack(reg.region, lo);
  }
  return true;
}

void Checker::call_helper(State& s, const isa::Instruction& insn, std::int32_t id,
                          std::uint32_t site) {
  const std::uint32_t pc = insn.slot;
  const progtype::HelperPrototype* proto = progtype::helper(id);
  const progtype::ProgramTypeInfo& type = *program_.type;
  if (!proto) {
    return fail(s, pc, "call to helper " + std::to_string(id) + ", which Linux does not have",
                "known helper");
  }
  const std::string name = "bpf_" + std::string(proto->name);
  if (!type.allows_helper(id)) {
    return fail(s, pc,
                name + " (helper " + std::to_string(id) + ") may not be called by " +
                    std::string(type.name) + " programs",
                "helper allowed for the program type");
  }
  if (s.lock != LockState::none && id != 94) {
    return fail(s, pc, "call to " + name + " while holding a bpf_spin_lock",
                "no call under a lock");
  }
  const object::MapDefinition* m = nullptr;
  std::uint32_t map_region = 0;
  std::optional<std::uint32_t> released;
  std::optional<std::uint32_t> callback;
  for (std::size_t i = 0; i < proto->args.size(); ++i) {
    const ArgType arg = proto->args[i];
    if (arg == ArgType::none) break;
    const int r = static_cast<int>(i) + 1;
    // bpf_trace_printk's proto declares two arguments: Linux does not look at r3..r5.
    if (id == 6 && r >= 3) break;
    if (!readable(s, pc, r)) return;
    const Reg reg = s.regs[static_cast<std::size_t>(r)];
    const std::string what = "argument " + std::to_string(r) + " of " + name;
    auto next_size = [&]() -> Scalar {
      const Reg& size = s.regs[static_cast<std::size_t>(r + 1)];
      return size.kind == Kind::number ? size.num : Scalar::top();
    };
    auto wrong = [&](std::string expected) {
      fail(s, pc, what + " must be " + expected + ", not " + describe(reg),
           reg_name(r) + ".type == " + expected, {r});
    };
    if (reg.kind == Kind::packet_neg) return wrong("a number or a pointer");
    switch (arg) {
      case ArgType::none: break;
      case ArgType::anything: break;
      case ArgType::const_map_ptr:
        if (reg.kind != Kind::map_ptr || reg.nullable) return wrong("a map");
        m = map(reg.region);
        map_region = reg.region;
        if (auto problem = map_compatibility(id, m->type)) {
          return fail(s, pc, what + ": map " + m->name + ": " + *problem, "compatible map type",
                      {r});
        }
        break;
      case ArgType::map_key:
      case ArgType::map_value:
      case ArgType::map_value_or_null:
      case ArgType::uninit_map_value: {
        if (!m) return fail(s, pc, what + " needs a map argument before it", "map argument");
        const bool key = arg == ArgType::map_key;
        const std::uint32_t size = key ? m->key_size : m->value_size;
        if (!check_mem_arg(
                s, pc, r, Scalar::constant(size), arg == ArgType::uninit_map_value,
                arg == ArgType::map_value_or_null,
                what + " (" + std::to_string(size) + (key ? " key bytes)" : " value bytes)")))
          return;
        break;
      }
      case ArgType::mem:
      case ArgType::mem_or_null:
      case ArgType::uninit_mem:
      case ArgType::uninit_mem_or_null: {
        const Reg& size_reg = s.regs[static_cast<std::size_t>(r + 1)];
        if (size_reg.kind == Kind::uninit) return (void)readable(s, pc, r + 1);
        if (size_reg.kind != Kind::number) {
          return fail(
              s, pc,
              "argument " + std::to_string(r + 1) + " of " + name + " (a size) must be a number",
              reg_name(r + 1) + ".type == number", {r + 1});
        }
        const bool write = arg == ArgType::uninit_mem || arg == ArgType::uninit_mem_or_null;
        if (!check_mem_arg(s, pc, r, next_size(), write,
                           arg == ArgType::mem_or_null || arg == ArgType::uninit_mem_or_null, what))
          return;
        break;
      }
      case ArgType::const_size:
      case ArgType::const_size_or_zero:
        if (reg.kind != Kind::number) return wrong("a number (a size)");
        if (arg == ArgType::const_size && reg.num.umin() == 0) {
          return fail(s, pc, what + " (a size) may be zero: " + reg.num.to_string(),
                      reg_name(r) + " > 0", {r});
        }
        break;
      case ArgType::ctx:
      case ArgType::ctx_or_null:
        if (arg == ArgType::ctx_or_null && reg.kind == Kind::number && reg.num.as_constant() == 0)
          break;
        if (reg.kind != Kind::ctx || reg.num.as_constant() != 0)
          return wrong("the context (r1 at entry)");
        break;
      case ArgType::spin_lock: {
        if (reg.kind != Kind::map_value || reg.nullable)
          return wrong("a pointer to a map value's bpf_spin_lock");
        const object::MapDefinition* lm = map(reg.region);
        if (lm->spin_lock_offset < 0 ||
            reg.num.as_constant() != static_cast<std::uint64_t>(lm->spin_lock_offset)) {
          return fail(s, pc, what + " must point to the bpf_spin_lock of map " + lm->name,
                      reg_name(r) + ".offset == spin_lock_offset", {r});
        }
        break;
      }
      case ArgType::long_ptr:
      case ArgType::int_ptr:
        if (!check_mem_arg(s, pc, r, Scalar::constant(arg == ArgType::long_ptr ? 8 : 4), true,
                           false, what))
          return;
        break;
      case ArgType::const_str: {
        if (reg.kind != Kind::map_value || !map(reg.region)->frozen() || !reg.num.as_constant())
          return wrong("a constant string (read-only data at a constant offset)");
        const auto& data = map(reg.region)->initial_data;
        const auto o = static_cast<std::size_t>(*reg.num.as_constant());
        if (o >= data.size() ||
            std::find(data.begin() + static_cast<std::ptrdiff_t>(o), data.end(), 0) == data.end())
          return fail(s, pc, what + ": the string is not NUL-terminated inside its map",
                      "NUL-terminated", {r});
        break;
      }
      case ArgType::func:
        if (reg.kind != Kind::func) return wrong("a function (a callback)");
        callback = reg.region;
        break;
      case ArgType::stack_or_null:
        if (reg.kind == Kind::number && reg.num.as_constant() == 0) break;
        if (reg.kind != Kind::stack) return wrong("a pointer to the stack or NULL");
        break;
      case ArgType::ringbuf_mem:
        if (reg.kind != Kind::ringbuf_mem || reg.nullable)
          return wrong("a ring buffer reservation");
        if (reg.num.as_constant() != 0) {
          return fail(s, pc,
                      what +
                          " must be the pointer bpf_ringbuf_reserve returned, not one moved by " +
                          reg.num.to_string() + " bytes",
                      reg_name(r) + ".offset == 0", {r});
        }
        released = reg.id;
        break;
      case ArgType::const_alloc_size_or_zero:
        if (reg.kind != Kind::number || !reg.num.as_constant()) return wrong("a constant size");
        break;
      case ArgType::sock_common:
      case ArgType::btf_id_sock_common:
        if ((reg.kind != Kind::socket && reg.kind != Kind::sock_common &&
             reg.kind != Kind::tcp_sock) ||
            reg.nullable)
          return wrong("a socket");
        if (id == 86) released = reg.id;  // bpf_sk_release takes a sock_common
        break;
      case ArgType::socket:
        if (reg.kind != Kind::socket || reg.nullable) return wrong("a full socket");
        if (id == 86) released = reg.id;
        break;
      case ArgType::btf_id:
      case ArgType::other:
        return fail(s, pc,
                    name + " is not supported by xbpf's verifier (argument " + std::to_string(r) +
                        " is a " + std::string(progtype::arg_type_name(arg)) + ")",
                    "supported helper");
    }
  }
  if (callback && !is_callback_helper(id)) {
    return fail(s, pc, name + " takes a callback, which xbpf's verifier does not support for it",
                "supported callback helper");
  }
  if (id == 12 && !s.references.empty()) {
    return fail(s, pc, "bpf_tail_call while holding a reference (the reservation would leak)",
                "no reference held");
  }
  if (released) {
    if (std::find(s.references.begin(), s.references.end(), *released) == s.references.end()) {
      return fail(s, pc, name + " releases a reference that is not held (already released?)",
                  "reference held");
    }
    release(s, *released);
  }
  if (id == 93) {
    if (s.lock != LockState::none)
      return fail(s, pc, "bpf_spin_lock while holding a lock", "no lock held");
    s.lock = LockState::held;
  } else if (id == 94) {
    if (s.lock != LockState::held)
      return fail(s, pc, "bpf_spin_unlock without a lock held", "lock held");
    s.lock = LockState::none;
  }
  if (changes_packet(id)) invalidate_packet(s);
  if (is_callback_helper(id)) return;  // the fixpoint's callback edges continue from here

  // The result.
  Reg r0 = Reg::number(Scalar::top());
  switch (proto->ret) {
    case progtype::ReturnType::integer:
      if (id == 7) r0.num = Scalar::of_width(4);
      break;
    case progtype::ReturnType::void_: r0 = Reg{}; break;
    case progtype::ReturnType::map_value:
    case progtype::ReturnType::map_value_or_null:
      if (!m) {
        r0 = Reg::pointer(Kind::btf_id, 0, Scalar::constant(0));
      } else if ((m->type == kArrayOfMaps || m->type == kHashOfMaps) && m->inner) {
        r0 =
            Reg::pointer(Kind::map_ptr, static_cast<std::uint32_t>(*m->inner), Scalar::constant(0));
      } else {
        r0 = Reg::pointer(Kind::map_value, map_region, Scalar::constant(0));
      }
      r0.nullable = proto->ret == progtype::ReturnType::map_value_or_null;
      break;
    case progtype::ReturnType::ringbuf_mem_or_null: {
      const Reg& size = s.regs[2];
      r0 = Reg::pointer(Kind::ringbuf_mem, 0, Scalar::constant(0));
      r0.size = static_cast<std::uint32_t>(size.num.as_constant().value_or(0));
      r0.nullable = true;
      break;
    }
    case progtype::ReturnType::socket_or_null:
      r0 = Reg::pointer(Kind::socket, 0, Scalar::constant(0));
      r0.nullable = true;
      break;
    case progtype::ReturnType::sock_common_or_null:
      r0 = Reg::pointer(Kind::sock_common, 0, Scalar::constant(0));
      r0.nullable = true;
      break;
    case progtype::ReturnType::tcp_sock_or_null:
      r0 = Reg::pointer(Kind::tcp_sock, 0, Scalar::constant(0));
      r0.nullable = true;
      break;
    case progtype::ReturnType::btf_id:
    case progtype::ReturnType::btf_id_or_null:
    case progtype::ReturnType::other:
      r0 = Reg::pointer(Kind::btf_id, 0, Scalar::constant(0));
      r0.nullable = proto->ret != progtype::ReturnType::btf_id;
      break;
  }
  if (r0.nullable) {
    // A fresh identity for this call site: older copies from an earlier pass through the same
    // site are no longer linked to the new value.
    r0.id = site;
    for (auto& reg : s.regs) {
      if (reg.id == site) reg.id = 0;
    }
    for (auto& frame : s.callers) {
      for (auto& reg : frame) {
        if (reg.id == site) reg.id = 0;
      }
    }
    for (auto& stack : s.stacks) {
      for (auto& [offset, cell] : stack.cells) {
        if (cell.value.id == site) cell.value.id = 0;
      }
    }
  }
  if (acquires(id)) {
    if (std::find(s.references.begin(), s.references.end(), site) != s.references.end()) {
      return fail(
          s, pc,
          name + " is called again while the reference it returned last time is still held (leak)",
          "reference released before the next acquisition");
    }
    s.references.insert(std::upper_bound(s.references.begin(), s.references.end(), site), site);
  }
  for (int r = 1; r <= 5; ++r) s.set_reg(r, Reg{});
  s.set_reg(0, r0);
}

// ---- instructions ----

namespace {

// The registers an instruction reads as operands, whose type matters (a 64-bit copy only moves
// its source, type set and all). At most 6; returns how many.
std::size_t operands(const isa::Instruction& insn, std::array<int, 6>& out) {
  const isa::OpInfo& info = insn.info();
  std::size_t n = 0;
  switch (info.form) {
    case Form::alu_reg:
      if (info.sem == Sem::mov && info.width == 64) break;
      out[n++] = insn.src;
      if (info.sem != Sem::mov) out[n++] = insn.dst;
      break;
    case Form::alu_movsx: out[n++] = insn.src; break;
    case Form::alu_imm:
      if (info.sem != Sem::mov) out[n++] = insn.dst;
      break;
    case Form::alu_neg:
    case Form::byteswap:
    case Form::st:
    case Form::cond_imm: out[n++] = insn.dst; break;
    case Form::ldx: out[n++] = insn.src; break;
    case Form::stx:
    case Form::cond_reg:
      out[n++] = insn.dst;
      out[n++] = insn.src;
      break;
    case Form::atomic:
      out[n++] = insn.dst;
      out[n++] = insn.src;
      if (info.sem == Sem::atomic_cmpxchg) out[n++] = 0;
      break;
    case Form::ld_ind:
      out[n++] = 6;
      out[n++] = insn.src;
      break;
    case Form::ld_abs: out[n++] = 6; break;
    case Form::call_helper:
      // The arguments the prototype declares.
      if (const progtype::HelperPrototype* proto = progtype::helper(insn.imm)) {
        for (std::size_t i = 0; i < proto->args.size() && proto->args[i] != ArgType::none; ++i)
          out[n++] = static_cast<int>(i) + 1;
      }
      break;
    case Form::callx:
      out[n++] = insn.dst;
      for (int r = 1; r <= 5; ++r) out[n++] = r;
      break;
    default: break;
  }
  return n;
}

// Combinations of members tried at one instruction, at most: past that, the type sets stay
// opaque (and the instruction refuses them as it refuses any `mixed`).
constexpr std::size_t kMaxCombinations = 16;

// Applies `apply` to each combination of the members of the type sets among `regs`, one
// state each, and joins the results: every check the instruction makes then holds for every
// member. False (and `s` unchanged) when no register has a type set or there are too many
// combinations.
// Registers with related type sets (TypeSet::selector) take the members of one label at a
// time, every register of the frame with that selector too; the others, each member.
template <class F>
bool for_each_type(State& s, std::span<const int> regs, F&& apply) {
  // A choice: a register (its members), or a selector (its labels).
  struct Choice {
    int reg = -1;
    std::uint64_t selector = 0;
    std::size_t count = 0;
  };
  std::array<Choice, 6> split{};
  std::size_t n = 0, combinations = 1;
  // Whether every register of the frame with `selector` has one member per label.
  auto usable = [&](std::uint64_t selector) {
    for (const Reg& reg : s.regs) {
      if (!reg.has_types() || reg.types->selector != selector) continue;
      for (unsigned l = 0; l < reg.types->label_count; ++l) {
        if (!reg.types->member_of(l)) return false;
      }
    }
    return true;
  };
  for (int r : regs) {
    const Reg& reg = s.regs[static_cast<std::size_t>(r)];
    if (!reg.has_types()) continue;
    const std::uint64_t selector = reg.types->selector;
    const bool related = selector != 0 && usable(selector);
    const bool seen = std::any_of(split.begin(), split.begin() + n, [&](const Choice& c) {
      return c.reg == r || (related && c.selector == selector);
    });
    if (seen) continue;
    split[n] = related ? Choice{-1, selector, reg.types->label_count}
                       : Choice{r, 0, reg.types->members.size()};
    combinations *= split[n++].count;
  }
  if (n == 0 || combinations > kMaxCombinations) return false;
  State out = State::make_bottom();
  for (std::size_t c = 0; c < combinations; ++c) {
    State copy = s;
    std::size_t k = c;
    for (std::size_t i = 0; i < n; ++i) {
      const Choice& choice = split[i];
      const std::size_t pick = k % choice.count;
      k /= choice.count;
      if (choice.reg >= 0) {
        const TypeSet& set = *s.regs[static_cast<std::size_t>(choice.reg)].types;
        copy.set_reg(choice.reg, select_type(copy, set, pick));
        continue;
      }
      for (int r = 0; r < 11; ++r) {
        const Reg& reg = s.regs[static_cast<std::size_t>(r)];
        if (!reg.has_types() || reg.types->selector != choice.selector) continue;
        const TypeSet& set = *reg.types;
        copy.set_reg(r, select_type(copy, set, *set.member_of(static_cast<unsigned>(pick))));
      }
    }
    apply(copy);
    out = out.join(copy);
  }
  s = std::move(out);
  return true;
}

// Runs `one` on each member combination of the type sets among `regs` (for_each_type), or on
// `s` itself when there are none. A check that fails for one member fails the instruction:
// nothing continues from it (`failures` counts the checks that failed).
template <class F>
void for_every_member(State& s, std::span<const int> regs, const std::uint64_t& failures, F&& one) {
  const std::uint64_t before = failures;
  if (for_each_type(s, regs, one)) {
    if (failures != before) s = State::make_bottom();
    return;
  }
  one(s);
}

}  // namespace

void Checker::step(State& s, const isa::Instruction& insn, std::uint32_t site) {
  if (s.bottom) return;
  std::array<int, 6> regs{};
  // Conditional jumps only check that their operands are readable here (branch() refines).
  const isa::Form form = insn.info().form;
  const std::size_t n = form == Form::cond_imm || form == Form::cond_reg ? 0 : operands(insn, regs);
  // size_minus stays one only through the additions of constants that keep it.
  const isa::OpInfo& info = insn.info();
  const bool keeps =
      form == Form::alu_imm && info.width == 64 && (info.sem == Sem::add || info.sem == Sem::sub);
  for (std::size_t i = 0; i < n; ++i) {
    if (!keeps || regs[i] != insn.dst) demote(s, regs[i]);
  }
  for_every_member(s, std::span<const int>(regs.data(), n), failures_,
                   [&](State& one) { step_one(one, insn, site); });
}

void Checker::step_one(State& s, const isa::Instruction& insn, std::uint32_t site) {
  if (s.bottom) return;
  const isa::OpInfo& info = insn.info();
  switch (info.form) {
    case Form::alu_imm:
    case Form::alu_reg:
    case Form::alu_neg:
    case Form::alu_movsx:
    case Form::byteswap: return alu(s, insn);
    case Form::lddw: return load_immediate(s, insn);
    case Form::ldx:
    case Form::st:
    case Form::stx: return memory(s, insn);
    case Form::atomic: return atomic(s, insn);
    case Form::ld_abs:
    case Form::ld_ind: return legacy_packet_load(s, insn);
    case Form::call_helper: return call_helper(s, insn, insn.imm, site);
    case Form::callx: {
      if (!readable(s, insn.slot, insn.dst)) return;
      const Reg& target = s.regs[insn.dst];
      if (target.kind == Kind::number && target.num.as_constant()) {
        return call_helper(s, insn, static_cast<std::int32_t>(*target.num.as_constant()), site);
      }
      return fail(s, insn.slot,
                  "callx through " + reg_name(insn.dst) + ", which is not a known helper id",
                  reg_name(insn.dst) + " is a constant", {insn.dst});
    }
    case Form::call_btf: return fail(s, insn.slot, "kfunc calls are not supported", "no kfunc");
    case Form::cond_imm:
    case Form::cond_reg:
      // Operands must be readable; the edges refine.
      if (!readable(s, insn.slot, insn.dst)) return;
      if (info.form == Form::cond_reg && !readable(s, insn.slot, insn.src)) return;
      return;
    default: return;  // ja, exit, local calls: the fixpoint's edges
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

void Checker::branch(State& s, const isa::Instruction& insn, bool taken) {
  if (s.bottom) return;
  std::array<int, 6> regs{};
  const std::size_t n = operands(insn, regs);
  // size_minus is compared as one with constants only (64-bit).
  const bool keeps = insn.info().form == Form::cond_imm && insn.info().width == 64;
  for (std::size_t i = 0; i < n; ++i) {
    if (!keeps) demote(s, regs[i]);
  }
  for_every_member(s, std::span<const int>(regs.data(), n), failures_,
                   [&](State& one) { branch_one(one, insn, taken); });
}

void Checker::branch_one(State& s, const isa::Instruction& insn, bool taken) {
  if (s.bottom) return;
  const isa::OpInfo& info = insn.info();
  const int d = insn.dst;
  const bool from_reg = info.form == Form::cond_reg;
  Reg& dst = s.regs[static_cast<std::size_t>(d)];
  const Reg src =
      from_reg ? s.regs[insn.src]
               : Reg::number(Scalar::constant(static_cast<std::uint64_t>(std::int64_t{insn.imm})));
  const unsigned width = info.width;
  Sem sem = info.sem;

  if (dst.kind == Kind::size_minus) {
    // packet_size - w OP c: the value's refined bounds bound w - packet_size.
    const Zone::Var var = reg_var(s, d);
    if (!bounded(dst.num)) {
      demote(s, d);
      return branch_one(s, insn, taken);
    }
    const Refined refined = refine(sem, width, taken, size_minus_value(s, var, dst), src.num);
    if (refined.dst.is_bottom() || refined.src.is_bottom()) {
      s = State::make_bottom();
      return;
    }
    bool ok = true;
    if (auto lo = zone_lower(refined.dst)) ok = s.add_relation(var, Vars::packet_size, -*lo);
    if (auto hi = zone_upper(refined.dst); ok && hi)
      ok = s.add_relation(Vars::packet_size, var, *hi);
    if (!ok) s = State::make_bottom();
    return;
  }
  if (dst.kind == Kind::packet_neg || src.kind == Kind::packet_neg) {
    const int r = dst.kind == Kind::packet_neg ? d : insn.src;
    return fail(s, insn.slot,
                "comparison of a negated packet pointer (" + s.describe_reg(r) +
                    "): add a packet pointer or packet_end to it first",
                reg_name(r) + ".type != packet_neg", {r});
  }
  auto is_zero = [](const Reg& r) { return r.kind == Kind::number && r.num.as_constant() == 0; };
  // NULL checks (64-bit only: the low half of a valid pointer may well be 0).
  if (width == 64 && ((is_pointer(dst.kind) && is_zero(src)) ||
                      (from_reg && is_pointer(src.kind) && is_zero(dst)))) {
    const int pr = is_pointer(dst.kind) ? d : insn.src;
    const Reg ptr = s.regs[static_cast<std::size_t>(pr)];
    // As `ptr OP 0`: a pointer is an unsigned number, above 0 unless NULL.
    Sem op = sem;
    if (pr != d) {
      switch (sem) {
        case Sem::jge: op = Sem::jle; break;
        case Sem::jle: op = Sem::jge; break;
        case Sem::jgt: op = Sem::jlt; break;
        case Sem::jlt: op = Sem::jgt; break;
        default: break;
      }
    }
    switch (op) {
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
    if (id != 0) {
      for (auto& frame : s.callers) {
        for (auto& reg : frame) {
          if (reg.id == id && is_pointer(reg.kind)) refine(reg);
        }
      }
      for (std::size_t f = 0; f < s.stacks.size(); ++f) {
        for (auto& [offset, cell] : s.stacks[f].cells) {
          if (cell.value.id == id && is_pointer(cell.value.kind)) {
            refine(cell.value);
            if (null_branch)
              zone_set(s.zone, Vars::cell(static_cast<int>(f), offset), cell.value.num);
          }
        }
      }
      if (null_branch) {
        s.references.erase(std::remove(s.references.begin(), s.references.end(), id),
                           s.references.end());
      }
    }
    return;
  }

  const bool dst_ptr = is_pointer(dst.kind), src_ptr = is_pointer(src.kind);
  if (dst.kind == Kind::mixed || src.kind == Kind::mixed) {
    const int r = dst.kind == Kind::mixed ? d : insn.src;
    return fail(s, insn.slot,
                reg_name(r) +
                    " holds a pointer on some paths and a number on others; it cannot be compared",
                reg_name(r) + ".type is known", {r});
  }
  const Zone::Var dvar = reg_var(s, d);
  const Zone::Var svar = from_reg ? reg_var(s, insn.src) : Zone::kZero;
  if (dst_ptr || src_ptr) {
    const bool packet_pair = (dst.kind == Kind::packet || dst.kind == Kind::packet_end) &&
                             (src.kind == Kind::packet || src.kind == Kind::packet_end);
    if (!(dst_ptr && src_ptr && (packet_pair || dst.same_region(src)))) {
      return fail(
          s, insn.slot,
          "comparison of " + describe(dst) + " with " + describe(src) +
              ": pointers may only be compared with pointers into the same region (or NULL)",
          reg_name(d) + " and " + (from_reg ? reg_name(insn.src) : "imm") +
              " point into the same region",
          {d, from_reg ? insn.src : d});
    }
    if (width == 32) {
      return fail(s, insn.slot, "32-bit comparison of pointers", "64-bit comparison",
                  {d, insn.src});
    }
    if (dst.nullable || src.nullable) {
      return fail(s, insn.slot, "comparison of a pointer that may be NULL; compare it with 0 first",
                  "pointers are not NULL", {d, insn.src});
    }
    // A map or a function is no memory to move in: its references are equal or not.
    if ((dst.kind == Kind::map_ptr || dst.kind == Kind::func) && sem != Sem::jeq &&
        sem != Sem::jne) {
      return fail(s, insn.slot,
                  "ordered comparison of " + describe(dst) + " with " + describe(src) +
                      ": references to a map or a function may only be compared with == or !=",
                  "== or !=", {d, insn.src});
    }
    // Same base: the addresses compare as the offsets do (signed offsets, no wrap).
    switch (sem) {
      case Sem::jgt: sem = Sem::jsgt; break;
      case Sem::jge: sem = Sem::jsge; break;
      case Sem::jlt: sem = Sem::jslt; break;
      case Sem::jle: sem = Sem::jsle; break;
      default: break;
    }
  }

  // Numbers (or offsets): the scalar refinement, then relations. data_end + e's offset is
  // packet_size + e.
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
  if (dst.kind != Kind::packet_end) {
    dst.num = refined.dst;
    add_bounds(s, dvar, refined.dst);
  } else {
    const Scalar size = size_from(refined.dst, ex);
    s.packet_size = s.packet_size.meet(size);
    add_bounds(s, Vars::packet_size, size);
  }
  if (from_reg && src.kind != Kind::packet_end) {
    s.regs[insn.src].num = refined.src;
    add_bounds(s, svar, refined.src);
  } else if (from_reg) {
    const Scalar size = size_from(refined.src, ey);
    s.packet_size = s.packet_size.meet(size);
    add_bounds(s, Vars::packet_size, size);
  }
  if (s.packet_size.is_bottom()) {
    s = State::make_bottom();
    return;
  }
  if (s.zone.is_bottom()) {
    s = State::make_bottom();
    return;
  }
  if (from_reg || true) {
    Sem rel = sem;
    if (!taken) {
      switch (sem) {
        case Sem::jgt: rel = Sem::jle; break;
        case Sem::jge: rel = Sem::jlt; break;
        case Sem::jlt: rel = Sem::jge; break;
        case Sem::jle: rel = Sem::jgt; break;
        case Sem::jsgt: rel = Sem::jsle; break;
        case Sem::jsge: rel = Sem::jslt; break;
        case Sem::jslt: rel = Sem::jsge; break;
        case Sem::jsle: rel = Sem::jsgt; break;
        case Sem::jeq: rel = Sem::jne; break;
        case Sem::jne: rel = Sem::jeq; break;
        default: rel = Sem::jset; break;
      }
    }
    const Scalar& a = s.regs[static_cast<std::size_t>(d)].num;
    const Scalar b = from_reg ? s.regs[insn.src].num : src.num;
    bool usable = true;
    const bool is_unsigned =
        rel == Sem::jgt || rel == Sem::jge || rel == Sem::jlt || rel == Sem::jle;
    if (!dst_ptr && width == 32) usable = a.umax() < (1U << 31) && b.umax() < (1U << 31);
    // Unsigned order is the zone's (signed) order when both values lie in one sign half.
    if (!dst_ptr && is_unsigned)
      usable = usable && ((a.smin() >= 0 && b.smin() >= 0) || (a.smax() < 0 && b.smax() < 0));
    if (dst.kind == Kind::packet_end && !from_reg) usable = false;
    const Zone::Var x = dst.kind == Kind::packet_end ? Vars::packet_size : dvar;
    const Zone::Var y = !from_reg                      ? Zone::kZero
                        : src.kind == Kind::packet_end ? Vars::packet_size
                                                       : svar;
    const std::int64_t c = from_reg ? 0 : 0;
    (void)c;
    if (usable && from_reg) {
      bool ok = true;
      // (x + ex) - (y + ey) <= k, and (y + ey) - (x + ex) <= k.
      auto below = [&](std::int64_t k) { return s.add_relation(x, y, k - ex + ey); };
      auto above = [&](std::int64_t k) { return s.add_relation(y, x, k - ey + ex); };
      switch (rel) {
        case Sem::jgt:
        case Sem::jsgt: ok = above(-1); break;
        case Sem::jge:
        case Sem::jsge: ok = above(0); break;
        case Sem::jlt:
        case Sem::jslt: ok = below(-1); break;
        case Sem::jle:
        case Sem::jsle: ok = below(0); break;
        case Sem::jeq: ok = below(0) && above(0); break;
        default: break;
      }
      if (!ok) {
        s = State::make_bottom();
        return;
      }
    }
  }
  if (!s.sync_from_zone()) s = State::make_bottom();
}

void Checker::exit_program(State& s, const isa::Instruction& insn) {
  if (s.bottom) return;
  const std::uint32_t pc = insn.slot;
  if (!readable(s, pc, 0)) return;
  demote(s, 0);
  const Reg& r0 = s.regs[0];
  if (r0.kind != Kind::number) {
    return fail(s, pc, "the program returns a pointer (" + describe(r0) + ")", "r0.type == number",
                {0});
  }
  const progtype::ReturnRange range = program_.type->returns_for(program_.attach);
  if (!range.any() && (r0.num.smin() < range.min || r0.num.smax() > range.max)) {
    return fail(s, pc,
                "the return value " + r0.num.to_string() + " may be outside [" +
                    std::to_string(range.min) + ", " + std::to_string(range.max) +
                    "], the valid range of " + std::string(program_.type->name) + " programs",
                std::to_string(range.min) + " <= r0 <= " + std::to_string(range.max), {0});
  }
  if (!s.references.empty()) {
    // Name what acquired it, and how to release that.
    const auto at = static_cast<std::uint32_t>((s.references.front() - 1) % slots_);
    std::string what = "a reference", release = "bpf_ringbuf_submit/discard, bpf_sk_release";
    const auto acquired = std::find_if(program_.code.begin(), program_.code.end(),
                                       [at](const isa::Instruction& i) { return i.slot == at; });
    if (acquired != program_.code.end() && acquired->op == isa::Op::call_helper) {
      if (const progtype::HelperPrototype* helper = progtype::helper(acquired->imm)) {
        const std::string name(helper->name);
        what = "the reference bpf_" + name + " returned";
        if (name.rfind("ringbuf_reserve", 0) == 0) release = "bpf_ringbuf_submit or discard";
        if (name.rfind("sk_lookup", 0) == 0 || name.rfind("skc_lookup", 0) == 0)
          release = "bpf_sk_release";
      }
    }
    return fail(s, pc,
                what + " at pc " + std::to_string(at) + " is not released on this path (" +
                    release + " it on every path)",
                "every reference released");
  }
  if (s.lock != LockState::none) {
    return fail(s, pc, "the program exits holding a bpf_spin_lock", "lock released");
  }
}

void Checker::exit_subprogram(State& s, const isa::Instruction& insn, bool callback) {
  if (s.bottom) return;
  const std::uint32_t pc = insn.slot;
  if (!readable(s, pc, 0)) return;
  if (s.lock != LockState::none) {
    return fail(s, pc, "a function returns holding a bpf_spin_lock", "lock released");
  }
  if (callback) {
    demote(s, 0);
    const Reg& r0 = s.regs[0];
    if (r0.kind != Kind::number || r0.num.smin() < 0 || r0.num.smax() > 1) {
      return fail(s, pc, "a callback must return 0 or 1, not " + describe(r0), "0 <= r0 <= 1", {0});
    }
  }
}

// ---- calls ----

namespace {

// Pointers into frames above `frame` (which returned) become unusable.
void drop_frames_above(State& s, int frame) {
  auto dead = [&](const Reg& reg) {
    return reg.any_type([&](const Reg& m) {
      return m.kind == Kind::stack && m.region > static_cast<std::uint32_t>(frame);
    });
  };
  for (int r = 0; r < 11; ++r) {
    if (dead(s.regs[static_cast<std::size_t>(r)])) s.set_reg(r, Reg{});
  }
  for (auto& saved : s.callers) {
    for (auto& reg : saved) {
      if (dead(reg)) reg = Reg{};
    }
  }
  for (std::size_t f = 0; f < s.stacks.size(); ++f) {
    auto& cells = s.stacks[f].cells;
    for (auto it = cells.begin(); it != cells.end();) {
      if (dead(it->second.value)) {
        s.zone.forget(Vars::cell(static_cast<int>(f), it->first));
        it = cells.erase(it);
      } else {
        ++it;
      }
    }
  }
}

void forget_frame(State& s, int frame) {
  for (int r = 0; r < 11; ++r) s.zone.forget(Vars::reg(frame, r));
  s.zone.forget(Vars::init_lo(frame));
  s.zone.forget(Vars::init_hi(frame));
  if (static_cast<std::size_t>(frame) < s.stacks.size()) {
    for (const auto& [offset, cell] : s.stacks[static_cast<std::size_t>(frame)].cells)
      s.zone.forget(Vars::cell(frame, offset));
  }
}

// Pushes a frame whose r1..r5 are `args` (by register of the caller), r10 its stack.
void push_frame(State& s, std::initializer_list<std::pair<int, Reg>> args) {
  const int caller = s.frame;
  s.callers.push_back(s.regs);
  s.frame = caller + 1;
  s.stacks.emplace_back();
  forget_frame(s, s.frame);
  s.regs = {};
  for (const auto& [r, value] : args) {
    s.regs[static_cast<std::size_t>(r)] = value;
    const Zone::Var var = Vars::reg(s.frame, r);
    if (value.kind == Kind::packet_end) {
      s.zone.assign(var, Vars::packet_size, value.end_offset());
    } else if (value.kind != Kind::uninit && value.kind != Kind::mixed) {
      zone_set(s.zone, var, value.num);
    }
  }
  s.regs[10] =
      Reg::pointer(Kind::stack, static_cast<std::uint32_t>(s.frame), Scalar::constant(kStackBytes));
  zone_set(s.zone, Vars::reg(s.frame, 10), s.regs[10].num);
}

}  // namespace

void Checker::enter_call(State& s) const {
  if (s.bottom) return;
  const int caller = s.frame;
  std::array<Reg, 11> regs = s.regs;
  push_frame(s, {{1, regs[1]}, {2, regs[2]}, {3, regs[3]}, {4, regs[4]}, {5, regs[5]}});
  for (int r = 1; r <= 5; ++r) {
    if (regs[static_cast<std::size_t>(r)].kind != Kind::uninit &&
        regs[static_cast<std::size_t>(r)].kind != Kind::mixed &&
        regs[static_cast<std::size_t>(r)].kind != Kind::packet_end)
      s.zone.assign(Vars::reg(s.frame, r), Vars::reg(caller, r), 0);
  }
}

void Checker::return_from_call(State& s) const {
  if (s.bottom) return;
  const int callee = s.frame;
  const Reg r0 = s.regs[0];
  s.frame = callee - 1;
  s.regs = s.callers.back();
  s.callers.pop_back();
  for (int r = 1; r <= 5; ++r) s.set_reg(r, Reg{});
  s.set_reg(0, r0);
  if (r0.kind != Kind::packet_end && r0.kind != Kind::mixed && r0.kind != Kind::uninit)
    s.zone.assign(Vars::reg(s.frame, 0), Vars::reg(callee, 0), 0);
  forget_frame(s, callee);
  s.stacks.pop_back();
  drop_frames_above(s, s.frame);
}

void Checker::enter_callback(State& s, const isa::Instruction& call, std::uint32_t entry) const {
  if (s.bottom) return;
  const std::array<Reg, 11> regs = s.regs;
  if (regs[2].kind != Kind::func || regs[2].region != entry) {
    s = State::make_bottom();
    return;
  }
  if (call.imm == 181) {
    const Scalar& n = regs[1].num;
    if (n.umax() == 0) {
      s = State::make_bottom();
      return;
    }
    const std::uint64_t last = std::min<std::uint64_t>(n.umax(), kMaxLoopIterations) - 1;
    push_frame(s, {{1, Reg::number(Scalar::unsigned_range(0, last))}, {2, regs[3]}});
  } else {
    const std::uint32_t m = regs[1].region;
    push_frame(s, {{1, regs[1]},
                   {2, Reg::pointer(Kind::map_value, m | kKeyRegion, Scalar::constant(0))},
                   {3, Reg::pointer(Kind::map_value, m, Scalar::constant(0))},
                   {4, regs[3]}});
  }
}

void Checker::return_from_callback(State& s) const {
  if (s.bottom) return;
  const int callee = s.frame;
  s.frame = callee - 1;
  s.regs = s.callers.back();
  s.callers.pop_back();
  forget_frame(s, callee);
  s.stacks.pop_back();
  drop_frames_above(s, s.frame);
  // The caller's registers as they were at the call: their zone variables were untouched.
}

void Checker::after_callback_helper(State& s, const isa::Instruction& call) const {
  if (s.bottom) return;
  Scalar result = Scalar::top();
  if (call.imm == 181) {
    result = Scalar::signed_range(-22, static_cast<std::int64_t>(std::min<std::uint64_t>(
                                           s.regs[1].num.umax(), kMaxLoopIterations)));
  } else if (const object::MapDefinition* m = map(s.regs[1].region)) {
    result = Scalar::signed_range(-22, m->max_entries);
  }
  for (int r = 1; r <= 5; ++r) s.set_reg(r, Reg{});
  s.set_reg(0, Reg::number(result));
}

}  // namespace xbpf::verifier::detail
