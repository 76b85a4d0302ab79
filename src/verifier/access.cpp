// Memory accesses (loads, stores, atomics, the bytes a helper reads or writes): the checks
// common to every region, then the rules of each region. The context and sockets are in
// access_context.cpp.
#include "verifier/checker.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

using isa::Sem;

namespace {

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

}  // namespace

std::string Checker::Access::describe() const {
  return std::string(write ? "write" : "read") + " of " + std::to_string(width) + " bytes at " +
         reg_name(r) + signed_offset(off);
}

bool Checker::out_of_bounds(State& s, const Access& a, std::int64_t size, std::string_view region) {
  fail(s, a.pc, AssertionKind::in_bounds,
       a.describe() + " is outside the " + std::string(region) + " (offset " + a.at.to_string() +
           ", size " + std::to_string(size) + ")",
       "0 <= " + reg_name(a.r) + ".offset" + signed_offset(a.off) + " && " + reg_name(a.r) +
           ".offset" + signed_offset(__int128{a.off} + a.width) + " <= " + std::to_string(size),
       {a.r});
  return false;
}

bool Checker::check_access(State& s, std::uint32_t pc, int r, std::int16_t off, unsigned width,
                           bool write, Reg* loaded, const Reg* stored) {
  const Reg reg = s.regs[static_cast<std::size_t>(r)];
  Access a{pc, r, off, width, write, loaded, stored, Scalar::top()};
  if (reg.kind == Kind::uninit) return readable(s, pc, r);
  if (!is_pointer(reg.kind) || reg.kind == Kind::packet_end || reg.kind == Kind::map_ptr ||
      reg.kind == Kind::func || reg.kind == Kind::btf_id || reg.kind == Kind::packet_neg ||
      reg.kind == Kind::size_minus) {
    fail(s, pc, AssertionKind::memory_pointer,
         a.describe() + ": " + reg_name(r) + " is not a pointer to memory (" +
             verifier::describe(reg) + ")",
         reg_name(r) + ".type in {ctx, stack, packet, map_value, ringbuf_mem}", {r});
    return false;
  }
  if (reg.nullable) {
    fail(s, pc, AssertionKind::not_null,
         a.describe() + ": " + reg_name(r) + " may be NULL (" + verifier::describe(reg) +
             "): compare it with 0 first",
         reg_name(r) + " != NULL", {r});
    return false;
  }
  // An opaque `mixed` (or a type set with too many combinations to split) may hold a pointer.
  if (stored && (is_pointer(stored->kind) || stored->kind == Kind::mixed) &&
      reg.kind != Kind::stack) {
    fail(s, pc, AssertionKind::no_pointer_leak,
         a.describe() + ": stores a pointer (" + verifier::describe(*stored) + ") into " +
             std::string(kind_name(reg.kind)) +
             " memory; pointers may only be spilled to the stack",
         "stored value is a number", {r});
    return false;
  }
  a.at = alu64(Sem::add, reg.num, Scalar::constant(static_cast<std::uint64_t>(std::int64_t{off})));
  switch (reg.kind) {
    case Kind::ctx: return access_context(s, a, reg);
    case Kind::stack: return access_stack(s, a, reg);
    case Kind::packet: return access_packet(s, a);
    case Kind::map_value: return access_map_value(s, a, reg);
    case Kind::ringbuf_mem:
      if (!a.in_bounds(reg.size)) return out_of_bounds(s, a, reg.size, "ring buffer reservation");
      if (loaded) *loaded = Reg::number(Scalar::of_width(width));
      return true;
    case Kind::socket:
    case Kind::sock_common:
    case Kind::tcp_sock:
    case Kind::flow_keys: return access_socket(s, a, reg);
    default: break;
  }
  fail(s, pc, AssertionKind::memory_pointer, a.describe() + ": not a pointer to memory",
       "pointer to memory", {r});
  return false;
}

bool Checker::access_stack(State& s, const Access& a, const Reg& reg) {
  const std::int64_t lo = a.at.smin(), hi = a.at.smax();
  const std::int64_t w = a.width;
  if (reg.region > static_cast<std::uint32_t>(s.frame)) {
    fail(s, a.pc, AssertionKind::stack_frame_live,
         a.describe() + ": the stack frame " + reg_name(a.r) + " points to has returned",
         "frame is live", {a.r});
    return false;
  }
  if (!a.in_bounds(kStackBytes)) {
    fail(s, a.pc, AssertionKind::in_bounds,
         a.describe() + " is outside the stack (r10 - 512 .. r10): offset " + "r10" +
             signed_offset(__int128{lo} - kStackBytes) +
             (lo == hi ? "" : " .. r10" + signed_offset(__int128{hi} - kStackBytes)),
         "r10 - 512 <= " + reg_name(a.r) + signed_offset(a.off) + " && " + reg_name(a.r) +
             signed_offset(a.off + static_cast<std::int64_t>(a.width)) + " <= r10",
         {a.r});
    return false;
  }
  if (a.write) return stack_store(s, a, reg);
  StackFrame& stack = s.stacks[reg.region];
  note_stack(reg.region, static_cast<int>(lo));
  s.materialize_init(static_cast<int>(reg.region));
  for (std::int64_t b = lo; b < hi + w; ++b) {
    if (!stack.init[static_cast<std::size_t>(b)]) {
      fail(s, a.pc, AssertionKind::stack_initialised,
           a.describe() + " reads stack byte r10" + signed_offset(b - kStackBytes) +
               ", which is not initialised",
           "r10" + signed_offset(b - kStackBytes) + " is initialised", {a.r});
      return false;
    }
  }
  Reg value = Reg::number(Scalar::of_width(a.width));
  for (const auto& [start, cell] : stack.cells) {
    const std::int64_t end = start + cell.width;
    if (start >= hi + w || end <= lo) continue;
    if (lo == hi && start == lo && cell.width == a.width) {
      value = cell.value;
      break;
    }
    if (is_pointer(cell.value.kind) || cell.value.kind == Kind::mixed) {
      fail(s, a.pc, AssertionKind::whole_spill,
           a.describe() + " reads part of a spilled pointer (" + verifier::describe(cell.value) +
               ")",
           "whole-slot fill", {a.r});
      return false;
    }
    if (lo == hi && start == lo && cell.width > a.width)
      value = Reg::number(cell.value.num.truncated(a.width));
  }
  // Bytes of several stores (or inside one) whose values are known.
  if (lo == hi && value.kind == Kind::number && !value.num.as_constant()) {
    if (auto c = constant_bytes(stack, static_cast<int>(lo), static_cast<int>(w)))
      value = Reg::number(Scalar::constant(*c));
  }
  if (a.loaded) *a.loaded = value;
  return true;
}

bool Checker::stack_store(State& s, const Access& a, const Reg& reg) {
  const std::int64_t lo = a.at.smin(), hi = a.at.smax();
  if (a.stored && is_pointer(a.stored->kind) && (lo != hi || a.width != 8 || lo % 8 != 0)) {
    fail(s, a.pc, AssertionKind::whole_spill,
         a.describe() +
             ": a pointer is spilled with a size other than 8 or at a variable or unaligned "
             "offset",
         "8-byte aligned spill", {a.r});
    return false;
  }
  Reg value;
  const Reg* cell_value = nullptr;
  if (a.stored && a.stored->kind != Kind::uninit) {
    value = *a.stored;
    if (value.kind == Kind::number && a.width < 8) value.num = value.num.truncated(a.width);
    cell_value = &value;
  }
  stack_write(s, reg.region, a.at, a.width, cell_value);
  // Through a computed pointer (a buffer filled in a loop): the initialised range.
  if (a.r != 10 || !a.at.as_constant())
    s.note_stack_write(static_cast<int>(reg.region), reg_var(s, a.r), a.off, a.width, true);
  return true;
}

bool Checker::access_packet(State& s, const Access& a) {
  const progtype::ProgramTypeInfo& type = *program_.type;
  const std::int64_t lo = a.at.smin(), hi = a.at.smax();
  const std::int64_t w = a.width;
  if (a.write && !packet_writable(type.type)) {
    fail(s, a.pc, AssertionKind::writable,
         a.describe() + ": " + std::string(type.name) + " programs may not write the packet",
         "packet is writable", {a.r});
    return false;
  }
  const Zone::Var var = reg_var(s, a.r);
  // Upper: offset + off + width <= packet_size.
  bool upper = hi <= s.packet_size.smin() - w;
  if (!upper) {
    if (auto b = s.zone.bound(var, Vars::packet_size)) upper = *b + a.off + w <= 0;
  }
  bool lower = lo >= s.meta_offset.smax();
  if (!lower) {
    if (auto b = s.zone.bound(Vars::meta_offset, var)) lower = *b <= a.off;
  }
  if (!upper || !lower) {
    const std::string end = signed_offset(a.off + w);
    fail(s, a.pc, AssertionKind::in_bounds,
         a.describe() + " is not proven inside the packet: " +
             // Before the packet first: a data_end check cannot mend that.
             (!lower ? "it may start before data_meta"
                     : "compare " + reg_name(a.r) + end + " with data_end first") +
             " (offset " + a.at.to_string() + ", packet size " + s.packet_size.to_string() + ")",
         !lower ? reg_name(a.r) + ".offset" + signed_offset(a.off) + " >= meta_offset"
                : reg_name(a.r) + ".offset" + end + " <= packet_size",
         {a.r});
    return false;
  }
  if (a.loaded) *a.loaded = Reg::number(Scalar::of_width(a.width));
  return true;
}

bool Checker::access_map_value(State& s, const Access& a, const Reg& reg) {
  const std::int64_t lo = a.at.smin(), hi = a.at.smax();
  const object::MapDefinition* m = map(reg.region);
  const bool key = (reg.region & kKeyRegion) != 0;
  const std::int64_t size = key ? m->key_size : m->value_size;
  if (!a.in_bounds(size)) return out_of_bounds(s, a, size, key ? "map key" : "map value");
  if (a.write && (key || m->frozen())) {
    fail(s, a.pc, AssertionKind::writable,
         a.describe() + ": " +
             (key ? std::string("a map key") : "map " + m->name + " (read-only data)") +
             " may not be written",
         "region is writable", {a.r});
    return false;
  }
  if (!key && m->spin_lock_offset >= 0 && lo < m->spin_lock_offset + 4 &&
      hi + a.width > m->spin_lock_offset) {
    fail(s, a.pc, AssertionKind::spin_lock,
         a.describe() + " touches the bpf_spin_lock of map " + m->name +
             "; only bpf_spin_lock/unlock may",
         "access outside the spin lock", {a.r});
    return false;
  }
  if (a.loaded) *a.loaded = Reg::number(Scalar::of_width(a.width));
  return true;
}

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

}  // namespace xbpf::verifier::detail
