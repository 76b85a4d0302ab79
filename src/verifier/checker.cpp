// The checker's entry points: an instruction's operands with type sets are split into their
// members (each checked alone), then the transfer function of the instruction's class runs.
#include "verifier/checker.h"

#include <span>

#include "verifier/values.h"

namespace xbpf::verifier::detail {

using isa::Form;
using isa::Sem;
using progtype::ArgType;

const object::MapDefinition* Checker::map(std::uint32_t region) const {
  region &= ~kKeyRegion;
  if (region >= program_.maps.size()) return nullptr;
  return &program_.maps[region];
}

void Checker::fail(State& s, std::uint32_t pc, AssertionKind kind, std::string message,
                   std::string assertion, std::initializer_list<int> regs) {
  ++failures_;
  if (errors_) {
    Diagnostic d;
    d.pc = pc;
    d.kind = kind;
    d.message = std::move(message);
    d.assertion = std::move(assertion);
    for (int r : regs) {
      d.state += s.describe_reg(r) + "\n";
      if (std::find(d.operands.begin(), d.operands.end(), r) == d.operands.end())
        d.operands.push_back(r);
    }
    d.state += s.describe_stack();
    errors_->push_back(std::move(d));
  }
  s = State::make_bottom();
}

bool Checker::readable(State& s, std::uint32_t pc, int r) {
  const Reg& reg = s.regs[static_cast<std::size_t>(r)];
  if (reg.kind != Kind::uninit) return true;
  fail(s, pc, AssertionKind::register_initialised,
       reg_name(r) + " is read before it is initialised", reg_name(r) + ".type != uninit", {r});
  return false;
}

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
      return fail(s, insn.slot, AssertionKind::call_target,
                  "callx through " + reg_name(insn.dst) + ", which is not a known helper id",
                  reg_name(insn.dst) + " is a constant", {insn.dst});
    }
    case Form::call_btf:
      return fail(s, insn.slot, AssertionKind::helper_known, "kfunc calls are not supported",
                  "no kfunc");
    case Form::cond_imm:
    case Form::cond_reg:
      // Operands must be readable; the edges refine.
      if (!readable(s, insn.slot, insn.dst)) return;
      if (info.form == Form::cond_reg && !readable(s, insn.slot, insn.src)) return;
      return;
    default: return;  // ja, exit, local calls: the fixpoint's edges
  }
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

}  // namespace xbpf::verifier::detail
