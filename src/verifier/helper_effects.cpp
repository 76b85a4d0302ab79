// The effects of a helper call once its arguments hold: references released and acquired,
// the spin lock, packet pointers invalidated, the result in r0, r1..r5 clobbered.
#include "verifier/checker.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

namespace {

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

// Every location of the state (registers of every frame, stack cells) whose id is `id`.
template <class F>
void for_each_with_id(State& s, std::uint32_t id, F&& f) {
  for (auto& reg : s.regs) {
    if (reg.id == id) f(reg);
  }
  for (auto& frame : s.callers) {
    for (auto& reg : frame) {
      if (reg.id == id) f(reg);
    }
  }
  for (auto& stack : s.stacks) {
    for (auto& [offset, cell] : stack.cells) {
      if (cell.value.id == id) f(cell.value);
    }
  }
}

}  // namespace

bool Checker::takes_callback(std::int32_t helper) { return is_callback_helper(helper); }

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
  for (int r = 0; r < 11; ++r) {
    if (is_packet(s.regs[static_cast<std::size_t>(r)])) s.set_reg(r, Reg{});
  }
  for (auto& frame : s.callers) {
    for (auto& reg : frame) {
      if (is_packet(reg)) reg = Reg{};
    }
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

void Checker::helper_effects(State& s, const isa::Instruction& insn, const HelperCall& call,
                             std::uint32_t site) {
  const std::uint32_t pc = insn.slot;
  const std::int32_t id = call.id;
  if (call.callback && !is_callback_helper(id)) {
    return fail(s, pc, AssertionKind::helper_known,
                call.name + " takes a callback, which xbpf's verifier does not support for it",
                "supported callback helper");
  }
  if (id == 12 && !s.references.empty()) {
    return fail(s, pc, AssertionKind::reference_released,
                "bpf_tail_call while holding a reference (the reservation would leak)",
                "no reference held");
  }
  if (call.released) {
    if (std::find(s.references.begin(), s.references.end(), *call.released) == s.references.end()) {
      return fail(s, pc, AssertionKind::reference_held,
                  call.name + " releases a reference that is not held (already released?)",
                  "reference held");
    }
    release(s, *call.released);
  }
  if (id == 93) {
    if (s.lock != LockState::none)
      return fail(s, pc, AssertionKind::spin_lock, "bpf_spin_lock while holding a lock",
                  "no lock held");
    s.lock = LockState::held;
  } else if (id == 94) {
    if (s.lock != LockState::held)
      return fail(s, pc, AssertionKind::spin_lock, "bpf_spin_unlock without a lock held",
                  "lock held");
    s.lock = LockState::none;
  }
  if (changes_packet(id)) invalidate_packet(s);
  if (is_callback_helper(id)) return;  // the fixpoint's callback edges continue from here

  Reg r0 = helper_result(s, call);
  if (r0.nullable) {
    // A fresh identity for this call site: older copies from an earlier pass through the same
    // site are no longer linked to the new value.
    r0.id = site;
    for_each_with_id(s, site, [](Reg& reg) { reg.id = 0; });
  }
  if (acquires(id)) {
    if (std::find(s.references.begin(), s.references.end(), site) != s.references.end()) {
      return fail(s, pc, AssertionKind::reference_released,
                  call.name +
                      " is called again while the reference it returned last time is still "
                      "held (leak)",
                  "reference released before the next acquisition");
    }
    s.references.insert(std::upper_bound(s.references.begin(), s.references.end(), site), site);
  }
  for (int r = 1; r <= 5; ++r) s.set_reg(r, Reg{});
  s.set_reg(0, r0);
}

// The value the helper returns, by its prototype's return type.
Reg Checker::helper_result(const State& s, const HelperCall& call) const {
  using progtype::ReturnType;
  const ReturnType ret = call.proto->ret;
  Reg r0 = Reg::number(Scalar::top());
  switch (ret) {
    case ReturnType::integer:
      if (call.id == 7) r0.num = Scalar::of_width(4);
      break;
    case ReturnType::void_: r0 = Reg{}; break;
    case ReturnType::map_value:
    case ReturnType::map_value_or_null: {
      const object::MapDefinition* m = call.map;
      if (!m) {
        r0 = Reg::pointer(Kind::btf_id, 0, Scalar::constant(0));
      } else if ((m->type == kArrayOfMaps || m->type == kHashOfMaps) && m->inner) {
        r0 =
            Reg::pointer(Kind::map_ptr, static_cast<std::uint32_t>(*m->inner), Scalar::constant(0));
      } else {
        r0 = Reg::pointer(Kind::map_value, call.map_region, Scalar::constant(0));
      }
      r0.nullable = ret == ReturnType::map_value_or_null;
      break;
    }
    case ReturnType::ringbuf_mem_or_null: {
      const Reg& size = s.regs[2];
      r0 = Reg::pointer(Kind::ringbuf_mem, 0, Scalar::constant(0));
      r0.size = static_cast<std::uint32_t>(size.num.as_constant().value_or(0));
      r0.nullable = true;
      break;
    }
    case ReturnType::socket_or_null:
    case ReturnType::sock_common_or_null:
    case ReturnType::tcp_sock_or_null:
      r0 = Reg::pointer(ret == ReturnType::socket_or_null        ? Kind::socket
                        : ret == ReturnType::sock_common_or_null ? Kind::sock_common
                                                                 : Kind::tcp_sock,
                        0, Scalar::constant(0));
      r0.nullable = true;
      break;
    case ReturnType::btf_id:
    case ReturnType::btf_id_or_null:
    case ReturnType::other:
      r0 = Reg::pointer(Kind::btf_id, 0, Scalar::constant(0));
      r0.nullable = ret != ReturnType::btf_id;
      break;
  }
  return r0;
}

}  // namespace xbpf::verifier::detail
