// Helper calls: each argument checked against the type its prototype (helpers.def) states,
// then the call's effects (helper_effects.cpp).
#include "verifier/checker.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

using progtype::ArgType;

namespace {

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

}  // namespace

bool Checker::check_mem_arg(State& s, std::uint32_t pc, int r, const Scalar& size, bool write,
                            bool nullable_ok, std::string_view what) {
  const Reg reg = s.regs[static_cast<std::size_t>(r)];
  if (nullable_ok && reg.kind == Kind::number && reg.num.as_constant() == 0) return true;
  if (size.umax() > (std::uint64_t{1} << 29)) {
    fail(s, pc, AssertionKind::helper_argument,
         std::string(what) + ": its size is not bounded (" + size.to_string() + ")",
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
      fail(s, pc, AssertionKind::helper_argument,
           std::string(what) + " must point to memory (the stack, the packet, a map value), not " +
               describe(reg),
           reg_name(r) + ".type in {stack, packet, map_value, ringbuf_mem}", {r});
      return false;
  }
  if (reg.nullable) {
    fail(s, pc, AssertionKind::not_null,
         std::string(what) + ": " + reg_name(r) + " may be NULL (" + describe(reg) + ")",
         reg_name(r) + " != NULL", {r});
    return false;
  }
  const auto span = static_cast<unsigned>(size.umax());
  if (reg.kind == Kind::stack && !write) return stack_arg_initialised(s, pc, r, span, what);
  // The whole range [offset, offset + size.umax) must be accessible: check its first byte at
  // the lowest offset and the last at the highest, with 1-byte accesses, on a copy (so that
  // reads do not count as writes).
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
  if (write && reg.kind == Kind::stack) helper_wrote_stack(s, reg, size);
  return true;
}

// A helper reads `span` bytes of the stack at register r: each must be initialised.
bool Checker::stack_arg_initialised(State& s, std::uint32_t pc, int r, unsigned span,
                                    std::string_view what) {
  const Reg reg = s.regs[static_cast<std::size_t>(r)];
  if (reg.region > static_cast<std::uint32_t>(s.frame) || reg.num.smin() < 0 ||
      reg.num.smax() > kStackBytes - static_cast<std::int64_t>(span)) {
    fail(s, pc, AssertionKind::in_bounds,
         std::string(what) + " is outside the stack: offset " + reg.num.to_string() + ", size " +
             std::to_string(span),
         "r10 - 512 <= " + reg_name(r) + " && " + reg_name(r) + " + size <= r10", {r});
    return false;
  }
  note_stack(reg.region, static_cast<int>(reg.num.smin()));
  // Spilled pointers may be read by helpers (Linux, privileged); bytes must be initialised.
  s.materialize_init(static_cast<int>(reg.region));
  const StackFrame& stack = s.stacks[reg.region];
  for (std::int64_t b = reg.num.smin(); b < reg.num.smax() + static_cast<std::int64_t>(span); ++b) {
    if (!stack.init[static_cast<std::size_t>(b)]) {
      fail(s, pc, AssertionKind::stack_initialised,
           std::string(what) + " reads stack byte r10" + signed_offset(b - kStackBytes) +
               ", which is not initialised",
           "r10" + signed_offset(b - kStackBytes) + " is initialised", {r});
      return false;
    }
  }
  return true;
}

// What the helper writes becomes initialised (the bytes it surely writes).
void Checker::helper_wrote_stack(State& s, const Reg& reg, const Scalar& size) {
  const Scalar offset = reg.num;
  const auto lo = static_cast<int>(offset.smin()), hi = static_cast<int>(offset.smax());
  const auto span = static_cast<int>(size.umax());
  StackFrame& stack = s.stacks[reg.region];
  for (auto it = stack.cells.begin(); it != stack.cells.end();) {
    const int start = it->first, end = it->first + it->second.width;
    if (start < hi + span && end > lo) {
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

void Checker::call_helper(State& s, const isa::Instruction& insn, std::int32_t id,
                          std::uint32_t site) {
  const std::uint32_t pc = insn.slot;
  const progtype::HelperPrototype* proto = progtype::helper(id);
  const progtype::ProgramTypeInfo& type = *program_.type;
  if (!proto) {
    return fail(s, pc, AssertionKind::helper_known,
                "call to helper " + std::to_string(id) + ", which Linux does not have",
                "known helper");
  }
  HelperCall call{id, proto, "bpf_" + std::string(proto->name), nullptr, 0, {}, {}};
  if (!type.allows_helper(id)) {
    return fail(s, pc, AssertionKind::helper_allowed,
                call.name + " (helper " + std::to_string(id) + ") may not be called by " +
                    std::string(type.name) + " programs",
                "helper allowed for the program type");
  }
  if (s.lock != LockState::none && id != 94) {
    return fail(s, pc, AssertionKind::spin_lock,
                "call to " + call.name + " while holding a bpf_spin_lock", "no call under a lock");
  }
  for (std::size_t i = 0; i < proto->args.size(); ++i) {
    const ArgType arg = proto->args[i];
    if (arg == ArgType::none) break;
    const int r = static_cast<int>(i) + 1;
    // bpf_trace_printk's proto declares two arguments: Linux does not look at r3..r5.
    if (id == 6 && r >= 3) break;
    if (!readable(s, pc, r)) return;
    if (!check_argument(s, pc, call, r, arg)) return;
  }
  helper_effects(s, insn, call, site);
}

bool Checker::check_argument(State& s, std::uint32_t pc, HelperCall& call, int r, ArgType arg) {
  const Reg reg = s.regs[static_cast<std::size_t>(r)];
  const std::string what = "argument " + std::to_string(r) + " of " + call.name;
  auto wrong = [&](const std::string& expected) {
    fail(s, pc, AssertionKind::helper_argument,
         what + " must be " + expected + ", not " + describe(reg),
         reg_name(r) + ".type == " + expected, {r});
    return false;
  };
  if (reg.kind == Kind::packet_neg) return wrong("a number or a pointer");
  switch (arg) {
    case ArgType::none:
    case ArgType::anything: return true;
    case ArgType::const_map_ptr: {
      if (reg.kind != Kind::map_ptr || reg.nullable) return wrong("a map");
      call.map = map(reg.region);
      call.map_region = reg.region;
      if (auto problem = map_compatibility(call.id, call.map->type)) {
        fail(s, pc, AssertionKind::map_type, what + ": map " + call.map->name + ": " + *problem,
             "compatible map type", {r});
        return false;
      }
      return true;
    }
    case ArgType::map_key:
    case ArgType::map_value:
    case ArgType::map_value_or_null:
    case ArgType::uninit_map_value: {
      if (!call.map) {
        fail(s, pc, AssertionKind::helper_argument, what + " needs a map argument before it",
             "map argument");
        return false;
      }
      const bool key = arg == ArgType::map_key;
      const std::uint32_t size = key ? call.map->key_size : call.map->value_size;
      return check_mem_arg(
          s, pc, r, Scalar::constant(size), arg == ArgType::uninit_map_value,
          arg == ArgType::map_value_or_null,
          what + " (" + std::to_string(size) + (key ? " key bytes)" : " value bytes)"));
    }
    case ArgType::mem:
    case ArgType::mem_or_null:
    case ArgType::uninit_mem:
    case ArgType::uninit_mem_or_null: {
      const Reg& size_reg = s.regs[static_cast<std::size_t>(r + 1)];
      if (size_reg.kind == Kind::uninit) return readable(s, pc, r + 1);
      if (size_reg.kind != Kind::number) {
        fail(
            s, pc, AssertionKind::helper_argument,
            "argument " + std::to_string(r + 1) + " of " + call.name + " (a size) must be a number",
            reg_name(r + 1) + ".type == number", {r + 1});
        return false;
      }
      const bool write = arg == ArgType::uninit_mem || arg == ArgType::uninit_mem_or_null;
      return check_mem_arg(s, pc, r, size_reg.num, write,
                           arg == ArgType::mem_or_null || arg == ArgType::uninit_mem_or_null, what);
    }
    case ArgType::const_size:
    case ArgType::const_size_or_zero:
      if (reg.kind != Kind::number) return wrong("a number (a size)");
      if (arg == ArgType::const_size && reg.num.umin() == 0) {
        fail(s, pc, AssertionKind::helper_argument,
             what + " (a size) may be zero: " + reg.num.to_string(), reg_name(r) + " > 0", {r});
        return false;
      }
      return true;
    case ArgType::ctx:
    case ArgType::ctx_or_null:
      if (arg == ArgType::ctx_or_null && reg.kind == Kind::number && reg.num.as_constant() == 0)
        return true;
      if (reg.kind != Kind::ctx || reg.num.as_constant() != 0)
        return wrong("the context (r1 at entry)");
      return true;
    default: return check_pointer_argument(s, pc, call, r, arg);
  }
}

// The arguments that are pointers to objects: locks, strings, callbacks, references.
bool Checker::check_pointer_argument(State& s, std::uint32_t pc, HelperCall& call, int r,
                                     ArgType arg) {
  const Reg reg = s.regs[static_cast<std::size_t>(r)];
  const std::string what = "argument " + std::to_string(r) + " of " + call.name;
  auto wrong = [&](const std::string& expected) {
    fail(s, pc, AssertionKind::helper_argument,
         what + " must be " + expected + ", not " + describe(reg),
         reg_name(r) + ".type == " + expected, {r});
    return false;
  };
  switch (arg) {
    case ArgType::spin_lock: {
      if (reg.kind != Kind::map_value || reg.nullable)
        return wrong("a pointer to a map value's bpf_spin_lock");
      const object::MapDefinition* lm = map(reg.region);
      if (lm->spin_lock_offset < 0 ||
          reg.num.as_constant() != static_cast<std::uint64_t>(lm->spin_lock_offset)) {
        fail(s, pc, AssertionKind::spin_lock,
             what + " must point to the bpf_spin_lock of map " + lm->name,
             reg_name(r) + ".offset == spin_lock_offset", {r});
        return false;
      }
      return true;
    }
    case ArgType::long_ptr:
    case ArgType::int_ptr:
      return check_mem_arg(s, pc, r, Scalar::constant(arg == ArgType::long_ptr ? 8 : 4), true,
                           false, what);
    case ArgType::const_str: {
      if (reg.kind != Kind::map_value || !map(reg.region)->frozen() || !reg.num.as_constant())
        return wrong("a constant string (read-only data at a constant offset)");
      const auto& data = map(reg.region)->initial_data;
      const auto o = static_cast<std::size_t>(*reg.num.as_constant());
      if (o >= data.size() ||
          std::find(data.begin() + static_cast<std::ptrdiff_t>(o), data.end(), 0) == data.end()) {
        fail(s, pc, AssertionKind::helper_argument,
             what + ": the string is not NUL-terminated inside its map", "NUL-terminated", {r});
        return false;
      }
      return true;
    }
    case ArgType::func:
      if (reg.kind != Kind::func) return wrong("a function (a callback)");
      call.callback = reg.region;
      return true;
    case ArgType::stack_or_null:
      if (reg.kind == Kind::number && reg.num.as_constant() == 0) return true;
      if (reg.kind != Kind::stack) return wrong("a pointer to the stack or NULL");
      return true;
    case ArgType::ringbuf_mem:
      if (reg.kind != Kind::ringbuf_mem || reg.nullable) return wrong("a ring buffer reservation");
      if (reg.num.as_constant() != 0) {
        fail(s, pc, AssertionKind::helper_argument,
             what + " must be the pointer bpf_ringbuf_reserve returned, not one moved by " +
                 reg.num.to_string() + " bytes",
             reg_name(r) + ".offset == 0", {r});
        return false;
      }
      call.released = reg.id;
      return true;
    case ArgType::const_alloc_size_or_zero:
      if (reg.kind != Kind::number || !reg.num.as_constant()) return wrong("a constant size");
      return true;
    case ArgType::sock_common:
    case ArgType::btf_id_sock_common:
      if ((reg.kind != Kind::socket && reg.kind != Kind::sock_common &&
           reg.kind != Kind::tcp_sock) ||
          reg.nullable)
        return wrong("a socket");
      if (call.id == 86) call.released = reg.id;  // bpf_sk_release takes a sock_common
      return true;
    case ArgType::socket:
      if (reg.kind != Kind::socket || reg.nullable) return wrong("a full socket");
      if (call.id == 86) call.released = reg.id;
      return true;
    default:
      fail(s, pc, AssertionKind::helper_known,
           call.name + " is not supported by xbpf's verifier (argument " + std::to_string(r) +
               " is a " + std::string(progtype::arg_type_name(arg)) + ")",
           "supported helper");
      return false;
  }
}

}  // namespace xbpf::verifier::detail
