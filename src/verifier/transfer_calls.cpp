// Transfer functions of control between functions: exits (the program's, with its return
// value, references and lock; a subprogram's; a callback's), bpf-to-bpf calls and callbacks
// (frames pushed and popped).
#include "verifier/checker.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

void Checker::exit_program(State& s, const isa::Instruction& insn) {
  if (s.bottom) return;
  const std::uint32_t pc = insn.slot;
  if (!readable(s, pc, 0)) return;
  demote(s, 0);
  const Reg& r0 = s.regs[0];
  if (r0.kind != Kind::number) {
    return fail(s, pc, AssertionKind::no_pointer_leak,
                "the program returns a pointer (" + describe(r0) + ")", "r0.type == number", {0});
  }
  const progtype::ReturnRange range = program_.type->returns_for(program_.attach);
  if (!range.any() && (r0.num.smin() < range.min || r0.num.smax() > range.max)) {
    return fail(s, pc, AssertionKind::return_value,
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
    return fail(s, pc, AssertionKind::reference_released,
                what + " at pc " + std::to_string(at) + " is not released on this path (" +
                    release + " it on every path)",
                "every reference released");
  }
  if (s.lock != LockState::none) {
    return fail(s, pc, AssertionKind::spin_lock, "the program exits holding a bpf_spin_lock",
                "lock released");
  }
}

void Checker::exit_subprogram(State& s, const isa::Instruction& insn, bool callback) {
  if (s.bottom) return;
  const std::uint32_t pc = insn.slot;
  if (!readable(s, pc, 0)) return;
  if (s.lock != LockState::none) {
    return fail(s, pc, AssertionKind::spin_lock, "a function returns holding a bpf_spin_lock",
                "lock released");
  }
  if (callback) {
    demote(s, 0);
    const Reg& r0 = s.regs[0];
    if (r0.kind != Kind::number || r0.num.smin() < 0 || r0.num.smax() > 1) {
      return fail(s, pc, AssertionKind::return_value,
                  "a callback must return 0 or 1, not " + describe(r0), "0 <= r0 <= 1", {0});
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
