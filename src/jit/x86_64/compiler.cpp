// The code generator: one pass over the instructions, emitting x86-64 for each with eBPF
// registers kept in x86 registers, then the jump and call displacements patched in.
#include "jit/x86_64/compiler.h"

#include <algorithm>
#include <bit>
#include <optional>
#include <random>
#include <set>

#include "isa/opcode.h"
#include "jit/x86_64/encoder.h"
#include "platform/platform.h"

namespace xbpf::jit::x86_64 {
namespace {

using isa::Form;
using isa::Op;
using isa::Sem;

// eBPF r0..r10 as Linux's x86-64 JIT maps them: the System V argument registers hold r1-r5,
// so a helper call needs no shuffling there; r6-r9 and r10 live in callee-saved registers.
constexpr Reg kRegs[isa::kRegCount] = {Reg::rax, Reg::rdi, Reg::rsi, Reg::rdx, Reg::rcx, Reg::r8,
                                       Reg::rbx, Reg::r13, Reg::r14, Reg::r15, Reg::rbp};
constexpr Reg kState = Reg::r12;  // vm::RunState*, for helpers and the error paths
// Scratch registers (caller-saved, no eBPF register): r9, r10, r11. Constants go to r10.
constexpr Reg kConstant = Reg::r10;
constexpr std::int32_t kFrame = static_cast<std::int32_t>(vm::kStackSize);
// Win64: 32 bytes of shadow space and two stack arguments (r5, the RunState) per helper call.
constexpr std::int32_t kWin64Outgoing = 48;
constexpr std::size_t kBranchWindow = 32;
constexpr std::size_t kJccSize = 6;  // jcc rel32
constexpr std::size_t kJmpSize = 5;  // jmp rel32, call rel32

Width width_of(unsigned bits) {
  switch (bits) {
    case 8: return Width::b8;
    case 16: return Width::b16;
    case 32: return Width::b32;
    default: return Width::b64;
  }
}

Alu alu_of(Sem sem) {
  switch (sem) {
    case Sem::add:
    case Sem::atomic_add: return Alu::add;
    case Sem::sub: return Alu::sub;
    case Sem::or_:
    case Sem::atomic_or:
    case Sem::atomic_fetch_or: return Alu::or_;
    case Sem::and_:
    case Sem::atomic_and:
    case Sem::atomic_fetch_and: return Alu::and_;
    default: return Alu::xor_;
  }
}

Shift shift_of(Sem sem) {
  return sem == Sem::lsh ? Shift::shl : sem == Sem::rsh ? Shift::shr : Shift::sar;
}

Cond cond_of(Sem sem) {
  switch (sem) {
    case Sem::jeq: return Cond::e;
    case Sem::jgt: return Cond::a;
    case Sem::jge: return Cond::ae;
    case Sem::jlt: return Cond::b;
    case Sem::jle: return Cond::be;
    case Sem::jsgt: return Cond::g;
    case Sem::jsge: return Cond::ge;
    case Sem::jslt: return Cond::l;
    case Sem::jsle: return Cond::le;
    default:  // jne, jset
      return Cond::ne;
  }
}

template <class F>
std::uint64_t address_of(F* function) {
  return reinterpret_cast<std::uint64_t>(reinterpret_cast<const void*>(function));
}

// Which registers a function's frame saves. Every function of a program has the same frame:
// its prologue pushes the registers of r6-r10 the program may change (the caller's values,
// which eBPF and the native ABI both want back), pads the stack to 16 bytes when the program
// calls native code, and exit pops them. A program with tail calls saves all five: the
// program it continues with may use any of them (see tail_entry()). An empty program saves
// nothing: a call into it is the stub's few instructions.
struct FramePlan {
  std::vector<int> frame;     // the eBPF registers each function's frame saves
  std::int32_t outgoing = 0;  // below them: Win64's outgoing area, alignment
  unsigned args = 0;          // bit i: the stub loads r(i+1)
  bool tail_calls = false;    // the program has bpf_tail_call sites
};

FramePlan plan_frame(const vm::Program& program, bool win64) {
  const vm::Host* host = program.environment().host;
  const bool host_tail_calls = host != nullptr && host->supports_tail_calls();
  FramePlan plan;
  unsigned used = 0;  // bit n: eBPF register n is named by an instruction
  bool native_calls = false;
  for (const isa::Instruction& insn : program.instructions()) {
    const Form form = insn.info().form;
    used |= 1U << (insn.dst & 15) | 1U << (insn.src & 15);
    if (form == Form::call_helper && insn.imm == vm::kTailCallHelper && host_tail_calls) {
      plan.tail_calls = true;
    }
    // Native code called (helpers, callx, legacy packet loads) needs rsp % 16 == 0 and the
    // published frame (rbp); local calls move rbp. Callees read r1-r5.
    if (form == Form::call_helper || form == Form::call_local || form == Form::callx ||
        form == Form::call_btf || form == Form::ld_abs || form == Form::ld_ind) {
      native_calls = native_calls || form != Form::call_local;
      used |= 0x43eU;  // r1-r5, r10
    }
  }
  for (int i = 6; i <= 10; ++i) {
    if (plan.tail_calls || (used & (1U << i)) != 0) plan.frame.push_back(i);
  }
  plan.args = used >> 1 & 0x1f;
  const bool pad = native_calls && plan.frame.size() % 2 == 0;
  plan.outgoing = native_calls ? (win64 ? kWin64Outgoing : 0) + (pad ? 8 : 0) : 0;
  return plan;
}

class Generator {
 public:
  Generator(const vm::Program& program, const Options& options, const FramePlan& plan,
            const void* const* table, const std::vector<std::uint32_t>* previous,
            const std::set<std::uint32_t>& long_sites)
      : previous_(previous),
        long_sites_(long_sites),
        program_(program),
        options_(options),
        win64_(options.abi == Abi::win64),
        layout_(vm::RunStateLayout::get()),
        table_(table),
        plan_(plan) {
    if (options.blind) random_.emplace(options.seed);
  }

  Listing run() {
    const std::span<const isa::Instruction> code = program_.instructions();
    const std::size_t slots = program_.slot_count();
    slot_code_.assign(slots + 1, 0);
    jump_target_.assign(slots + 1, false);
    for (const isa::Instruction& insn : code) {
      if (!isa::is_branch(insn.info().form)) continue;
      const std::int64_t target = insn.target();
      if (target >= 0 && static_cast<std::size_t>(target) <= slots) {
        jump_target_[static_cast<std::size_t>(target)] = true;
      }
    }
    a_.reserve(256 + code.size() * 12);
    fixups_.reserve(code.size());
    Listing listing;
    listing.functions.assign(slots, Listing::kNone);
    listing.entries.assign(slots, Listing::kNone);
    listing.offsets.resize(code.size());
    entry_stub();
    for (std::size_t i = 0; i < code.size(); ++i) {
      const isa::Instruction& insn = code[i];
      listing.offsets[i] = static_cast<std::uint32_t>(a_.size());
      if (program_.is_function_entry(insn.slot)) {
        // Code that runs into a function (possible in unverified programs) continues with
        // its first instruction, as in the interpreter: it must not run the prologue.
        if (i > 0 && falls_through(code[i - 1])) {
          slot_ = code[i - 1].slot;
          jump(std::nullopt, insn.slot);
        }
        listing.entries[insn.slot] = static_cast<std::uint32_t>(a_.size());
        const std::optional<std::size_t> to_body = outer_prologue();
        listing.functions[insn.slot] = static_cast<std::uint32_t>(a_.size());
        prologue();
        if (to_body) patch_to_here(*to_body);
        if (insn.slot == 0) body_ = a_.size();
      }
      slot_code_[insn.slot] = static_cast<std::uint32_t>(a_.size());
      if (const std::size_t more = fused(code.subspan(i)); more != 0) {
        // All start where the group's code does: a listing shows the group, then its code.
        const std::uint32_t start = slot_code_[insn.slot];
        for (std::size_t j = 0; j < more; ++j) {
          ++i;
          listing.offsets[i] = start;
          slot_code_[code[i].slot] = start;
        }
        continue;
      }
      next_ = i + 1 < code.size() ? &code[i + 1] : nullptr;
      instruction(insn);
    }
    listing.body_end = a_.size();
    listing.tail_entry = static_cast<std::uint32_t>(tail_entry());
    listing.arguments = static_cast<std::size_t>(std::bit_width(plan_.args));
    for (const Cold& cold : cold_) {
      patch_to_here(cold.at);
      if (cold.with_value) a_.store(Width::b64, state(layout_.scratch_value), Reg::r11);
      a_.store_imm(Width::b32, state(layout_.scratch_slot), static_cast<std::int32_t>(cold.slot));
      a_.store_imm(Width::b32, state(layout_.scratch_error), static_cast<std::int32_t>(cold.stop));
      patch(a_.jmp_rel32(), fail_return_);
    }
    for (const Fixup& fixup : fixups_) {
      const std::uint32_t target =
          fixup.function ? listing.functions[fixup.slot] : slot_code_[fixup.slot];
      if (!fixup.short_form) {
        patch(fixup.at, target);
        continue;
      }
      const std::int64_t disp =
          static_cast<std::int64_t>(target) - static_cast<std::int64_t>(fixup.at + 1);
      if (disp < INT8_MIN || disp > INT8_MAX) {
        too_far_.push_back(fixup.site);  // the estimate was wrong: long next time
      } else {
        a_.patch8(fixup.at, static_cast<std::int8_t>(disp));
      }
    }
    listing.slot_code = slot_code_;
    listing.code = a_.bytes();
    return listing;
  }

 private:
  struct Fixup {
    std::size_t at;
    std::uint32_t slot;
    bool function;
    bool short_form = false;
    std::uint32_t site = 0;  // the jumping instruction's slot
  };
  struct Cold {
    std::size_t at;
    std::uint32_t slot;
    Stop stop;
    bool with_value;
  };

  static Mem state(std::int32_t offset) { return Mem{kState, offset}; }

  static bool falls_through(const isa::Instruction& insn) {
    const Form form = insn.info().form;
    if (form == Form::jump || form == Form::jump_long) return insn.target() == insn.slot + 1;
    return form != Form::exit;
  }

  void patch(std::size_t at, std::size_t target) {
    a_.patch32(at, static_cast<std::int32_t>(static_cast<std::int64_t>(target) -
                                             static_cast<std::int64_t>(at + 4)));
  }
  void patch_to_here(std::size_t at) { patch(at, a_.size()); }
  // Whether the jump at the current slot to `target` takes the 2-byte form: the previous
  // pass's layout puts the target well within reach (NOP padding moves code by up to 31
  // bytes; a wrong guess is caught at the fixup, and the next pass makes that jump long).
  bool short_jump(std::int64_t target) const {
    if (previous_ == nullptr || long_sites_.count(slot_) != 0) return false;
    const std::int64_t distance =
        static_cast<std::int64_t>((*previous_)[static_cast<std::size_t>(target)]) -
        static_cast<std::int64_t>((*previous_)[slot_]);
    return distance >= -64 && distance <= 64;
  }

  // An unconditional (cond == nullopt) or conditional jump to the code of slot `target`.
  void jump(std::optional<Cond> cond, std::int64_t target) {
    const auto slot = static_cast<std::uint32_t>(target);
    if (short_jump(target)) {
      const std::size_t at = cond ? a_.jcc_rel8(*cond) : a_.jmp_rel8();
      fixups_.push_back({at, slot, false, true, slot_});
    } else {
      const std::size_t at = cond ? a_.jcc_rel32(*cond) : a_.jmp_rel32();
      fixups_.push_back({at, slot, false, false, slot_});
    }
  }
  std::size_t jump_size(std::int64_t target, bool conditional) const {
    return short_jump(target) ? 2 : conditional ? kJccSize : kJmpSize;
  }
  void stop_if(Cond cond, Stop stop, bool with_value = false) {
    cold_.push_back({a_.jcc_rel32(cond), slot_, stop, with_value});
  }

  std::uint32_t key() {
    std::uint32_t value = 0;
    while (value == 0) value = static_cast<std::uint32_t>((*random_)());
    return value;
  }

  // reg = the immediate sign-extended to 64 bits; blinded when asked.
  void load_imm(Reg reg, std::int32_t imm) {
    if (options_.blind) {
      const std::uint32_t k = key();
      a_.mov_imm_sx(reg, static_cast<std::int32_t>(static_cast<std::uint32_t>(imm) ^ k));
      a_.alu(Alu::xor_, Width::b64, reg, static_cast<std::int32_t>(k));
    } else {
      a_.mov_imm(reg, static_cast<std::uint64_t>(static_cast<std::int64_t>(imm)));
    }
  }

  void load_imm64(Reg reg, std::uint64_t value) {
    if (options_.blind) {
      const std::uint64_t k = (static_cast<std::uint64_t>(key()) << 32) | key();
      a_.mov_imm64(reg, value ^ k);
      a_.mov_imm64(Reg::r11, k);
      a_.alu(Alu::xor_, Width::b64, reg, Reg::r11);
    } else {
      a_.mov_imm(reg, value);
    }
  }

  bool saves(int reg) const {
    return std::find(plan_.frame.begin(), plan_.frame.end(), reg) != plan_.frame.end();
  }

  // Enters JITed code from C++ (Image::Entry): saves the callee-saved registers the frames
  // do not, sets up the state and frame registers and r1..r5, records the stack pointer for
  // unwinding, and calls the function. Errors and the legacy packet loads' early exit unwind
  // to here.
  void entry_stub() {
    const Reg args = win64_ ? Reg::rcx : Reg::rdi;
    const Reg run_state = win64_ ? Reg::rdx : Reg::rsi;
    const Reg frame = win64_ ? Reg::r8 : Reg::rdx;
    const Reg function = win64_ ? Reg::r9 : Reg::rcx;
    const std::vector<Reg> saved = saved_by_stub();
    for (Reg reg : saved) a_.push(reg);
    const bool pad = saved.size() % 2 == 0;  // rsp % 16 == 0 at the call
    if (pad) a_.alu(Alu::sub, Width::b64, Reg::rsp, 8);
    a_.mov(Width::b64, kState, run_state);
    if (saves(10)) a_.lea(Reg::r10, Mem{frame, -kFrame});
    a_.mov(Width::b64, Reg::r11, function);
    a_.mov(Width::b64, Reg::rax, args);
    for (int i = 1; i <= 5; ++i) {
      if ((plan_.args & (1U << (i - 1))) != 0)
        a_.load(Width::b64, kRegs[i], Mem{Reg::rax, 8 * (i - 1)});
    }
    a_.alu(Alu::xor_, Width::b32, Reg::rax, Reg::rax);
    a_.store(Width::b64, state(layout_.scratch_stack_pointer), Reg::rsp);
    a_.call(Reg::r11);
    if (pad) a_.alu(Alu::add, Width::b64, Reg::rsp, 8);
    for (auto it = saved.rbegin(); it != saved.rend(); ++it) a_.pop(*it);
    a_.ret();
    // An error: the cold path stored why. Unwind every frame at once: restore what the
    // outermost frame saved, just below its return address, and return from its call. That
    // call may be another program's stub (this program was tail-called): that program then
    // had tail calls, so its stub saved every register and restores them.
    fail_return_ = a_.size();
    a_.load(Width::b64, Reg::rsp, state(layout_.scratch_stack_pointer));
    a_.lea(Reg::rsp, Mem{Reg::rsp, -8 * static_cast<std::int32_t>(1 + plan_.frame.size())});
    for (auto it = plan_.frame.rbegin(); it != plan_.frame.rend(); ++it) a_.pop(kRegs[*it]);
    a_.ret();
    // A legacy packet load out of bounds ends the program with r0 = 0.
    packet_return_ = a_.size();
    a_.store_imm(Width::b8, state(layout_.scratch_packet_fault), 0);
    a_.alu(Alu::xor_, Width::b32, Reg::rax, Reg::rax);
    patch(a_.jmp_rel32(), fail_return_);
  }

  // The native callee-saved registers that no frame saves: the state register (and, on
  // Win64, rdi and rsi, which hold r1 and r2); with tail calls, all of them, since the
  // programs this one continues with save only what they use.
  std::vector<Reg> saved_by_stub() const {
    std::vector<Reg> saved;
    if (win64_) saved = {Reg::rdi, Reg::rsi};
    saved.push_back(kState);
    if (plan_.tail_calls) {
      for (int i = 6; i <= 10; ++i) saved.push_back(kRegs[i]);
    }
    return saved;
  }

  // Where the entry stub enters a function: the prologue's pushes save the native caller's
  // registers, r10 comes from the stub (in r10), r6-r9 start at zero as in the interpreter.
  // Ends with a jump past the ordinary prologue that follows, when there is one.
  std::optional<std::size_t> outer_prologue() {
    if (plan_.frame.empty() && plan_.outgoing == 0) return std::nullopt;  // nothing to save or set
    for (int i : plan_.frame) a_.push(kRegs[i]);
    if (saves(10)) a_.mov(Width::b64, Reg::rbp, Reg::r10);
    for (int i : plan_.frame) {
      if (i != 10) a_.alu(Alu::xor_, Width::b32, kRegs[i], kRegs[i]);
    }
    if (plan_.outgoing != 0) a_.alu(Alu::sub, Width::b64, Reg::rsp, plan_.outgoing);
    return a_.jmp_rel32();
  }

  // Every eBPF function: the caller's registers saved, a new 512-byte frame.
  void prologue() {
    for (int i : plan_.frame) a_.push(kRegs[i]);
    if (saves(10)) a_.alu(Alu::sub, Width::b64, Reg::rbp, kFrame);
    if (plan_.outgoing != 0) a_.alu(Alu::sub, Width::b64, Reg::rsp, plan_.outgoing);
  }

  void epilogue() {
    if (plan_.outgoing != 0) a_.alu(Alu::add, Width::b64, Reg::rsp, plan_.outgoing);
    for (auto it = plan_.frame.rbegin(); it != plan_.frame.rend(); ++it) a_.pop(kRegs[*it]);
    align_branch(1);
    a_.ret();
  }

  // Where a tail call lands: the main function's body, in the frame of the function that
  // tail-called, which (having tail calls) saved all five registers. A program that saves
  // fewer first rearranges that frame into its own: the registers it does not save get the
  // saved values back now (it never changes them), those it saves move up.
  std::size_t tail_entry() {
    if (plan_.frame.size() == 5) return body_;
    const std::size_t at = a_.size();
    const std::int32_t base = win64_ ? kWin64Outgoing : 0;  // the full frame pads nothing
    const auto slot = [base](std::size_t index) {
      return Mem{Reg::rsp, base + 8 * (4 - static_cast<std::int32_t>(index))};
    };
    for (int i = 6; i <= 10; ++i) {
      if (!saves(i)) a_.load(Width::b64, kRegs[i], slot(static_cast<std::size_t>(i - 6)));
    }
    for (std::size_t j = 0; j < plan_.frame.size(); ++j) {
      const auto from = static_cast<std::size_t>(plan_.frame[j] - 6);
      if (from == j) continue;
      a_.load(Width::b64, Reg::r11, slot(from));
      a_.store(Width::b64, slot(j), Reg::r11);
    }
    a_.lea(Reg::rsp, Mem{Reg::rsp, base + 8 * (5 - static_cast<std::int32_t>(plan_.frame.size())) -
                                       plan_.outgoing});
    patch(a_.jmp_rel32(), body_);
    return at;
  }

  void instruction(const isa::Instruction& insn) {
    slot_ = insn.slot;
    const isa::OpInfo& row = insn.info();
    switch (row.form) {
      case Form::alu_imm:
      case Form::alu_reg:
      case Form::alu_neg:
      case Form::alu_movsx: alu(insn); break;
      case Form::byteswap: byteswap(insn); break;
      case Form::jump:
      case Form::jump_long:
        if (insn.target() != insn.slot + 1) {
          align_branch(jump_size(insn.target(), false));
          jump(std::nullopt, insn.target());
        }
        break;
      case Form::cond_imm:
      case Form::cond_reg: branch(insn); break;
      case Form::call_helper:
        if (insn.imm == vm::kTailCallHelper && tail_calls()) {
          tail_call();
        } else {
          a_.mov_imm64(
              Reg::rax,
              address_of(program_.environment().helpers[static_cast<std::size_t>(insn.imm)]));
          call_helper();
        }
        break;
      case Form::call_local:
        check_depth(Reg::r11);
        align_branch(kJmpSize);
        fixups_.push_back(
            {a_.call_rel32(), static_cast<std::uint32_t>(insn.target()), /*function=*/true});
        break;
      case Form::call_btf:  // Program::create refuses these; stop if one ever gets here
        a_.alu(Alu::xor_, Width::b32, Reg::r11, Reg::r11);
        cold_.push_back({a_.jmp_rel32(), slot_, Stop::bad_callx, true});
        break;
      case Form::callx: callx(kRegs[insn.dst]); break;
      case Form::exit: epilogue(); break;
      case Form::lddw: load_imm64(kRegs[insn.dst], program_.wide_value(insn.slot)); break;
      case Form::ld_abs:
      case Form::ld_ind: packet_load(insn); break;
      case Form::ldx: {
        const Mem from{kRegs[insn.src], insn.off};
        if (row.sem == Sem::load_sx) {
          a_.load_sx(width_of(row.width), kRegs[insn.dst], from);
        } else {
          a_.load(width_of(row.width), kRegs[insn.dst], from);
        }
        break;
      }
      case Form::st:
        if (options_.blind) {
          load_imm(kConstant, insn.imm);
          a_.store(width_of(row.width), Mem{kRegs[insn.dst], insn.off}, kConstant);
        } else {
          a_.store_imm(width_of(row.width), Mem{kRegs[insn.dst], insn.off}, insn.imm);
        }
        break;
      case Form::stx:
        a_.store(width_of(row.width), Mem{kRegs[insn.dst], insn.off}, kRegs[insn.src]);
        break;
      case Form::atomic: atomic(insn); break;
    }
  }

  // Whether `branch` is `if rN == 0` or `!= 0` that can take its zero flag from an add, sub,
  // and, or or xor of width `width` on rN just before it. A 32-bit operation zero-extends, so
  // its ZF serves 64-bit comparisons too, not the reverse.
  bool tests_zero_flag(const isa::Instruction& branch, std::uint8_t n, Width width) const {
    const isa::OpInfo& row = branch.info();
    return row.form == Form::cond_imm && (row.sem == Sem::jeq || row.sem == Sem::jne) &&
           branch.imm == 0 && branch.dst == n && !options_.blind && straight(branch.slot) &&
           (row.width == 64 || width == Width::b32);
  }

  // Whether only the instruction before `slot` leads to it: no jump goes there and no call
  // enters there.
  bool straight(std::uint32_t slot) const {
    return !jump_target_[slot] && !program_.is_function_entry(slot);
  }

  // Instructions compiled together, each but the first reached only from the one before
  // (see straight()). Emits the code of the sequence `code` starts with, when it is one of
  // these, and returns how many instructions after the first it covered (0: none, nothing
  // emitted):
  // - `rX = rY; rX += rZ` (or `+= imm`), 64-bit: `lea rX, [rY + rZ]`, how clang computes an
  //   address from a base it keeps;
  // - `rX <<= 32; rX >>= 32` (zero extension, clang's u32 casts without alu32): `mov eX, eX`,
  //   and with `s>>=`, `movsxd`; with a copy `rX = rY` before, from rY.
  std::size_t fused(std::span<const isa::Instruction> code) {
    const isa::Instruction& first = code[0];
    const bool copy = first.op == Op::mov64_reg && first.src != first.dst;
    if (!copy && first.op != Op::lsh64_imm) return 0;  // the common case, decided at once
    // code[i] is `op` on the first one's register, and only code[i - 1] leads to it.
    const auto then = [&code, &first, this](std::size_t i, Op op) {
      return i < code.size() && code[i].op == op && code[i].dst == first.dst &&
             straight(code[i].slot);
    };
    const std::size_t at = copy ? 1 : 0;  // where the shifts would start
    const Reg dst = kRegs[first.dst];
    const Reg from = copy ? kRegs[first.src] : dst;
    if ((!copy || then(1, Op::lsh64_imm)) && code[at].imm == 32) {
      const bool zero = then(at + 1, Op::rsh64_imm) && code[at + 1].imm == 32;
      if (zero || (then(at + 1, Op::arsh64_imm) && code[at + 1].imm == 32)) {
        slot_ = first.slot;
        if (zero) {
          a_.mov(Width::b32, dst, from);
        } else {
          a_.movsx(Width::b64, dst, Width::b32, from);
        }
        return at + 1;
      }
    }
    if (!copy) return 0;
    if (then(1, Op::add64_reg)) {
      slot_ = first.slot;
      // rX += rX after the copy adds rY to itself.
      a_.lea(dst, from, code[1].src == first.dst ? from : kRegs[code[1].src]);
      return 1;
    }
    if (then(1, Op::add64_imm) && !options_.blind) {
      slot_ = first.slot;
      a_.lea(dst, Mem{from, code[1].imm});
      return 1;
    }
    return 0;
  }

  bool tail_calls() const {
    const vm::Host* host = program_.environment().host;
    return host != nullptr && host->supports_tail_calls();
  }

  void alu(const isa::Instruction& insn) {
    const isa::OpInfo& row = insn.info();
    const Width w = row.width == 64 ? Width::b64 : Width::b32;
    const Reg dst = kRegs[insn.dst];
    const bool imm = row.form == Form::alu_imm;
    Reg src = kRegs[insn.src];
    // With blinding, every immediate goes through a register.
    const bool in_register = imm && options_.blind;
    if (in_register && row.sem != Sem::mov) {
      load_imm(kConstant, insn.imm);
      src = kConstant;
    }
    switch (row.sem) {
      case Sem::add:
      case Sem::sub:
      case Sem::or_:
      case Sem::and_:
      case Sem::xor_: {
        const auto emit = [&](Encoder& e) {
          if (imm && !in_register) {
            e.alu(alu_of(row.sem), w, dst, insn.imm);
          } else {
            e.alu(alu_of(row.sem), w, dst, src);
          }
        };
        // When the next instruction tests the result against 0 with these flags, the two
        // are the compare-and-jump pair (fused by the CPU for add, sub and and): keep them
        // clear of a 32-byte boundary, as branch() does, rather than pad between them.
        if (next_ != nullptr && tests_zero_flag(*next_, insn.dst, w)) {
          probe_.clear();
          emit(probe_);
          align_branch(probe_.size() + jump_size(next_->target(), true));
        }
        emit(a_);
        zero_flag_ = {dst, w, a_.size()};
        break;
      }
      case Sem::mov:
        if (imm && (options_.blind || w == Width::b64)) {
          load_imm(dst, insn.imm);
          if (w == Width::b32) a_.mov(Width::b32, dst, dst);
        } else if (imm) {
          a_.mov_imm(dst, static_cast<std::uint32_t>(insn.imm));
        } else if (w == Width::b32 || dst != src) {
          a_.mov(w, dst, src);
        }
        break;
      case Sem::mul:
        if (imm && !in_register) {
          a_.imul(w, dst, dst, insn.imm);
        } else {
          a_.imul(w, dst, src);
        }
        break;
      case Sem::div:
      case Sem::sdiv:
      case Sem::mod:
      case Sem::smod:
        if (imm && !in_register) {
          load_imm(kConstant, insn.imm);
          src = kConstant;
        }
        divide(row.sem, w, dst, src);
        break;
      case Sem::lsh:
      case Sem::rsh:
      case Sem::arsh:
        if (imm && !in_register) {
          a_.shift(shift_of(row.sem), w, dst,
                   static_cast<std::uint8_t>(insn.imm & (w == Width::b64 ? 63 : 31)));
        } else {
          shift_by_register(shift_of(row.sem), w, dst, src);
        }
        break;
      case Sem::neg: a_.neg(w, dst); break;
      case Sem::movsx8: a_.movsx(w, dst, Width::b8, src); break;
      case Sem::movsx16: a_.movsx(w, dst, Width::b16, src); break;
      case Sem::movsx32: a_.movsx(Width::b64, dst, Width::b32, src); break;
      default: break;
    }
  }

  // x86 divides rdx:rax; eBPF defines division by zero (0, or the dividend for modulo) and
  // INT_MIN / -1 (wraps), where x86 would trap. rax and rdx are r0 and r3: saved around.
  void divide(Sem sem, Width w, Reg dst, Reg src) {
    const bool is_signed = sem == Sem::sdiv || sem == Sem::smod;
    const bool is_mod = sem == Sem::mod || sem == Sem::smod;
    a_.mov(Width::b64, Reg::r11, src);  // the divisor (src may be rax, rdx or r10)
    a_.mov(Width::b64, Reg::r9, Reg::rax);
    a_.mov(Width::b64, Reg::r10, Reg::rdx);
    if (dst != Reg::rax) a_.mov(Width::b64, Reg::rax, dst);
    a_.test(w, Reg::r11, Reg::r11);
    const std::size_t to_zero = a_.jcc_rel32(Cond::e);
    std::size_t to_minus_one = 0;
    if (is_signed) {
      a_.alu(Alu::cmp, w, Reg::r11, -1);
      to_minus_one = a_.jcc_rel32(Cond::e);
      if (w == Width::b64) {
        a_.cqo();
      } else {
        a_.cdq();
      }
      a_.idiv(w, Reg::r11);
    } else {
      a_.alu(Alu::xor_, Width::b32, Reg::rdx, Reg::rdx);
      a_.div(w, Reg::r11);
    }
    if (is_mod) a_.mov(w, Reg::rax, Reg::rdx);
    const std::size_t done_normal = a_.jmp_rel32();
    patch_to_here(to_zero);
    if (!is_mod) {
      a_.alu(Alu::xor_, Width::b32, Reg::rax, Reg::rax);
    } else if (w == Width::b32) {
      a_.mov(Width::b32, Reg::rax, Reg::rax);
    }
    std::size_t done_zero = 0;
    if (is_signed) {
      done_zero = a_.jmp_rel32();
      patch_to_here(to_minus_one);
      if (is_mod) {
        a_.alu(Alu::xor_, Width::b32, Reg::rax, Reg::rax);
      } else {
        a_.neg(w, Reg::rax);
      }
      patch_to_here(done_zero);
    }
    patch_to_here(done_normal);
    if (dst == Reg::rax) {
      a_.mov(Width::b64, Reg::rdx, Reg::r10);
    } else if (dst == Reg::rdx) {
      a_.mov(Width::b64, Reg::rdx, Reg::rax);
      a_.mov(Width::b64, Reg::rax, Reg::r9);
    } else {
      a_.mov(Width::b64, dst, Reg::rax);
      a_.mov(Width::b64, Reg::rax, Reg::r9);
      a_.mov(Width::b64, Reg::rdx, Reg::r10);
    }
  }

  // Variable shifts take their count in cl (rcx is r4). x86 masks the count to 63 or 31, as
  // eBPF does.
  void shift_by_register(Shift op, Width w, Reg dst, Reg src) {
    if (options_.bmi2) {
      a_.shiftx(op, w, dst, dst, src);
      return;
    }
    if (src == Reg::rcx) {
      a_.shift_cl(op, w, dst);
      return;
    }
    a_.mov(Width::b64, Reg::r11, Reg::rcx);
    a_.mov(Width::b64, Reg::rcx, src);
    a_.shift_cl(op, w, dst == Reg::rcx ? Reg::r11 : dst);
    a_.mov(Width::b64, Reg::rcx, Reg::r11);
  }

  void byteswap(const isa::Instruction& insn) {
    const isa::OpInfo& row = insn.info();
    const Reg dst = kRegs[insn.dst];
    if (row.sem == Sem::le) {
      if (row.width == 16) a_.movzx(Width::b32, dst, Width::b16, dst);
      if (row.width == 32) a_.mov(Width::b32, dst, dst);
      return;
    }
    if (row.width == 16) {
      a_.shift(Shift::ror, Width::b16, dst, 8);
      a_.movzx(Width::b32, dst, Width::b16, dst);
    } else {
      a_.bswap(row.width == 32 ? Width::b32 : Width::b64, dst);
    }
  }

  void branch(const isa::Instruction& insn) {
    const isa::OpInfo& row = insn.info();
    const Width w = row.width == 64 ? Width::b64 : Width::b32;
    const Reg dst = kRegs[insn.dst];
    Reg src = kRegs[insn.src];
    const bool imm = row.form == Form::cond_imm;
    if (imm && options_.blind) {
      load_imm(kConstant, insn.imm);
      src = kConstant;
    }
    const bool direct = imm && !options_.blind;
    // `if rX == 0` right after an add, sub, and, or or xor of rX: that operation set ZF.
    const bool zero_flag_set = zero_flag_.end == a_.size() && zero_flag_.reg == dst &&
                               tests_zero_flag(insn, insn.dst, zero_flag_.width);
    const auto compare = [&](Encoder& e) {
      if (row.sem == Sem::jset) {
        if (direct) {
          e.test(w, dst, insn.imm);
        } else {
          e.test(w, dst, src);
        }
      } else if (direct && insn.imm == 0 && (row.sem == Sem::jeq || row.sem == Sem::jne)) {
        if (!zero_flag_set) e.test(w, dst, dst);
      } else if (direct) {
        e.alu(Alu::cmp, w, dst, insn.imm);
      } else {
        e.alu(Alu::cmp, w, dst, src);
      }
    };
    probe_.clear();
    compare(probe_);
    align_branch(probe_.size() + jump_size(insn.target(), true));  // they fuse
    compare(a_);
    jump(cond_of(row.sem), insn.target());
  }

  // Intel CPUs since Skylake (with the JCC erratum microcode) do not cache in the decoded
  // icache any jump, or macro-fused compare and jump, that crosses or ends on a 32-byte
  // boundary; branchy code then runs from the legacy decoders, up to twice as slow. The code
  // starts page-aligned, so offsets tell the boundaries: pad with NOPs before such a branch.
  void align_branch(std::size_t size) {
    const std::size_t within = a_.size() % kBranchWindow;
    if (within + size >= kBranchWindow) a_.nop(kBranchWindow - within);
  }

  // A local call may not make the frame count exceed vm::kMaxCallDepth: the new frame
  // (r10 - 512) must stay at or above the bottom frame of RunState::stack.
  void check_depth(Reg scratch) {
    a_.lea(scratch, state(layout_.stack + 2 * kFrame));
    a_.alu(Alu::cmp, Width::b64, Reg::rbp, scratch);
    stop_if(Cond::b, Stop::call_depth);
  }

  // Publishes the frame and program (for callbacks), calls the helper whose address is in
  // rax with r1..r5 and the RunState, and stops when the helper failed the run.
  void call_helper() {
    a_.store(Width::b64, state(layout_.frame_pointer), Reg::rbp);
    a_.mov_imm64(Reg::r11, reinterpret_cast<std::uint64_t>(&program_));
    a_.store(Width::b64, state(layout_.program), Reg::r11);
    if (win64_) {
      a_.store(Width::b64, Mem{Reg::rsp, 32}, Reg::r8);
      a_.store(Width::b64, Mem{Reg::rsp, 40}, kState);
      a_.mov(Width::b64, Reg::r10, Reg::rcx);
      a_.mov(Width::b64, Reg::r11, Reg::rdx);
      a_.mov(Width::b64, Reg::rcx, Reg::rdi);
      a_.mov(Width::b64, Reg::rdx, Reg::rsi);
      a_.mov(Width::b64, Reg::r8, Reg::r11);
      a_.mov(Width::b64, Reg::r9, Reg::r10);
    } else {
      a_.mov(Width::b64, Reg::r9, kState);
    }
    a_.call(Reg::rax);
    a_.cmp_byte(state(layout_.failed), 0);
    stop_if(Cond::ne, Stop::helper_failed);
  }

  // callx: a function entry of this program is a local call, another value a helper id.
  void callx(Reg target) {
    a_.mov(Width::b64, Reg::r11, target);
    a_.alu(Alu::cmp, Width::b64, Reg::r11, static_cast<std::int32_t>(program_.slot_count()));
    const std::size_t not_slot = a_.jcc_rel32(Cond::ae);
    table_lookup(Reg::r10, reinterpret_cast<std::uint64_t>(table_));
    const std::size_t not_function = a_.jcc_rel32(Cond::e);
    check_depth(Reg::r9);
    a_.call(Reg::r10);
    const std::size_t done = a_.jmp_rel32();
    patch_to_here(not_slot);
    patch_to_here(not_function);
    a_.alu(Alu::cmp, Width::b64, Reg::r11, static_cast<std::int32_t>(vm::kMaxHelpers));
    stop_if(Cond::ae, Stop::bad_callx, true);
    table_lookup(Reg::r10, reinterpret_cast<std::uint64_t>(program_.environment().helpers.data()));
    stop_if(Cond::e, Stop::bad_callx, true);
    a_.mov(Width::b64, Reg::rax, Reg::r10);
    call_helper();
    patch_to_here(done);
  }

  // into = table[r11] (8-byte entries), flags set on into == 0.
  void table_lookup(Reg into, std::uint64_t table) {
    a_.mov_imm64(Reg::r9, table);
    a_.mov(Width::b64, into, Reg::r11);
    a_.shift(Shift::shl, Width::b64, into, 3);
    a_.alu(Alu::add, Width::b64, into, Reg::r9);
    a_.load(Width::b64, into, Mem{into, 0});
    a_.test(Width::b64, into, into);
  }

  // bpf_tail_call(ctx, map, index): ask tail_call() for the target; jump to it, keeping
  // r1..r10 and the frame, or fall through. One native call and one indirect jump.
  void tail_call() {
    a_.mov_imm64(Reg::r11, reinterpret_cast<std::uint64_t>(&program_));
    a_.store(Width::b64, state(layout_.program), Reg::r11);
    const Reg kept[] = {Reg::rax, Reg::rdi, Reg::rsi, Reg::rdx, Reg::rcx, Reg::r8};
    for (Reg reg : kept) a_.push(reg);
    if (win64_) {
      a_.alu(Alu::sub, Width::b64, Reg::rsp, 32);
      a_.mov(Width::b64, Reg::r8, Reg::rdx);
      a_.mov(Width::b64, Reg::rdx, Reg::rsi);
      a_.mov(Width::b64, Reg::rcx, kState);
    } else {
      a_.mov(Width::b64, Reg::rdi, kState);  // rsi, rdx already hold the map and the index
    }
    a_.mov_imm64(Reg::rax, address_of(&x86_64::tail_call));
    a_.call(Reg::rax);
    if (win64_) a_.alu(Alu::add, Width::b64, Reg::rsp, 32);
    a_.mov(Width::b64, Reg::r11, Reg::rax);
    for (auto it = std::rbegin(kept); it != std::rend(kept); ++it) a_.pop(*it);
    a_.test(Width::b64, Reg::r11, Reg::r11);
    const std::size_t none = a_.jcc_rel32(Cond::e);
    a_.jmp(Reg::r11);
    patch_to_here(none);
    a_.cmp_byte(state(layout_.failed), 0);
    stop_if(Cond::ne, Stop::helper_failed);
  }

  // Legacy packet loads through packet_load(); r1..r5 kept as the interpreter keeps them.
  void packet_load(const isa::Instruction& insn) {
    const isa::OpInfo& row = insn.info();
    const Reg kept[] = {Reg::rdi, Reg::rsi, Reg::rdx, Reg::rcx, Reg::r8, Reg::r9};
    for (Reg reg : kept) a_.push(reg);
    if (row.form == Form::ld_abs) {
      load_imm(Reg::r11, insn.imm);
    } else {
      load_imm(kConstant, insn.imm);
      a_.mov(Width::b32, Reg::r11, kRegs[insn.src]);
      a_.alu(Alu::add, Width::b32, Reg::r11, kConstant);
      a_.movsx(Width::b64, Reg::r11, Width::b32, Reg::r11);
    }
    const Reg args[3] = {win64_ ? Reg::rcx : Reg::rdi, win64_ ? Reg::rdx : Reg::rsi,
                         win64_ ? Reg::r8 : Reg::rdx};
    if (win64_) a_.alu(Alu::sub, Width::b64, Reg::rsp, 32);
    a_.mov(Width::b64, args[0], kState);
    a_.mov(Width::b64, args[1], Reg::r11);
    a_.mov_imm32(args[2], row.width / 8U);
    a_.mov_imm64(Reg::rax, address_of(&x86_64::packet_load));
    a_.call(Reg::rax);
    if (win64_) a_.alu(Alu::add, Width::b64, Reg::rsp, 32);
    for (auto it = std::rbegin(kept); it != std::rend(kept); ++it) a_.pop(*it);
    a_.cmp_byte(state(layout_.scratch_packet_fault), 0);
    patch(a_.jcc_rel32(Cond::ne), packet_return_);
  }

  // Atomics: locked instructions (xchg with memory always is). A misaligned atomic, which the
  // verifier allows on the stack only (private to the run: nothing else touches it while the
  // program runs), is a plain read-modify-write without the lock: a locked access crossing a
  // cache line would be a split lock (slow; fatal where split-lock detection is). r10 is
  // aligned to 16 (RunState::stack is, and frames are 512 bytes): through it the offset
  // decides at compile time. Through another register the address's low bits choose at run
  // time: test, jnz to the plain form; the aligned path runs the locked form, as before.
  void atomic(const isa::Instruction& insn) {
    static_assert(vm::kStackSize % 16 == 0);
    const isa::OpInfo& row = insn.info();
    const Width w = row.width == 64 ? Width::b64 : Width::b32;
    const auto mask = static_cast<std::int32_t>(row.width / 8 - 1);
    const bool loop = fetch_loop(row.sem);
    Mem at{kRegs[insn.dst], insn.off};
    // The cmpxchg loop (fetch_or/and/xor) addresses through r9, both paths then.
    if (loop) {
      a_.lea(Reg::r9, at);
      at = Mem{Reg::r9, 0};
    }
    if (insn.dst == isa::kFramePointer) {
      if ((insn.off & mask) == 0) {
        locked_atomic(row.sem, w, at, kRegs[insn.src]);
      } else {
        plain_atomic(row.sem, w, at, kRegs[insn.src]);
      }
    } else {
      // The address's low bits: the base's when the offset is a multiple of the width.
      Reg tested = at.base;
      if (!loop && (insn.off & mask) != 0) {
        a_.lea(Reg::r11, at);
        tested = Reg::r11;
      }
      // test and jnz fuse: kept clear of a 32-byte boundary, as branch() does.
      probe_.clear();
      probe_.test(Width::b8, tested, mask);
      align_branch(probe_.size() + 6);
      a_.test(Width::b8, tested, mask);
      const std::size_t to_plain = a_.jcc_rel32(Cond::ne);
      locked_atomic(row.sem, w, at, kRegs[insn.src]);
      align_branch(5);
      const std::size_t to_done = a_.jmp_rel32();
      patch_to_here(to_plain);
      plain_atomic(row.sem, w, at, kRegs[insn.src]);
      patch_to_here(to_done);
    }
    // A 32-bit cmpxchg that succeeds leaves rax's upper half; eBPF zero-extends.
    if (row.sem == Sem::atomic_cmpxchg && w == Width::b32) a_.mov(Width::b32, Reg::rax, Reg::rax);
  }

  static bool fetch_loop(Sem sem) {
    return sem == Sem::atomic_fetch_or || sem == Sem::atomic_fetch_and ||
           sem == Sem::atomic_fetch_xor;
  }

  void locked_atomic(Sem sem, Width w, Mem at, Reg src) {
    switch (sem) {
      case Sem::atomic_add:
      case Sem::atomic_or:
      case Sem::atomic_and:
      case Sem::atomic_xor: a_.alu(alu_of(sem), w, at, src, /*locked=*/true); break;
      case Sem::atomic_fetch_add: a_.lock_xadd(w, at, src); break;
      case Sem::atomic_xchg: a_.xchg(w, at, src); break;
      case Sem::atomic_cmpxchg: a_.lock_cmpxchg(w, at, src); break;
      default: {
        // fetch_or / fetch_and / fetch_xor at [r9]: a cmpxchg loop with the old value in rax
        // (r0, kept in r10 meanwhile).
        a_.mov(Width::b64, Reg::r10, Reg::rax);
        const Reg operand = src == Reg::rax ? Reg::r10 : src;
        a_.load(w, Reg::rax, at);
        const std::size_t loop = a_.size();
        a_.mov(w, Reg::r11, Reg::rax);
        a_.alu(alu_of(sem), w, Reg::r11, operand);
        a_.lock_cmpxchg(w, at, Reg::r11);
        patch(a_.jcc_rel32(Cond::ne), loop);
        if (src == Reg::rax) {
          if (w == Width::b32) a_.mov(Width::b32, Reg::rax, Reg::rax);
        } else {
          a_.mov(w, src, Reg::rax);
          a_.mov(Width::b64, Reg::rax, Reg::r10);
        }
        break;
      }
    }
  }

  // The same without the lock (misaligned accesses are allowed then): the old value, where the
  // operation gives it, in src (zero-extended from 32 bits), and rax for cmpxchg. xchg, locked
  // with or without the prefix, is a load and a store through r11; fetch_or/and/xor load the
  // old value into r11 and store the new one from r10.
  void plain_atomic(Sem sem, Width w, Mem at, Reg src) {
    switch (sem) {
      case Sem::atomic_add:
      case Sem::atomic_or:
      case Sem::atomic_and:
      case Sem::atomic_xor: a_.alu(alu_of(sem), w, at, src, /*locked=*/false); break;
      case Sem::atomic_fetch_add: a_.xadd(w, at, src); break;
      case Sem::atomic_xchg:
        a_.load(w, Reg::r11, at);
        a_.store(w, at, src);
        a_.mov(w, src, Reg::r11);
        break;
      case Sem::atomic_cmpxchg: a_.cmpxchg(w, at, src); break;
      default:
        a_.load(w, Reg::r11, at);
        a_.mov(w, Reg::r10, Reg::r11);
        a_.alu(alu_of(sem), w, Reg::r10, src);
        a_.store(w, at, Reg::r10);
        a_.mov(w, src, Reg::r11);
        break;
    }
  }

 public:
  [[nodiscard]] const std::vector<std::uint32_t>& too_far() const { return too_far_; }

 private:
  const std::vector<std::uint32_t>* previous_;  // the previous pass's slot offsets
  const std::set<std::uint32_t>& long_sites_;   // jumps that must be long
  std::vector<std::uint32_t> too_far_;
  Encoder a_;
  Encoder probe_;                           // measures an instruction before emitting it
  const isa::Instruction* next_ = nullptr;  // the instruction after the one being compiled
  const vm::Program& program_;
  Options options_;
  bool win64_;
  const vm::RunStateLayout& layout_;
  const void* const* table_;
  std::optional<std::mt19937_64> random_;  // blinding keys
  std::vector<std::uint32_t> slot_code_;
  std::vector<bool> jump_target_;  // per slot: a jump goes there
  // The register and width whose result the x86 zero flag holds, and where the operation
  // that set it ends (nothing emitted since: a_.size() == end).
  struct ZeroFlag {
    Reg reg = Reg::rax;
    Width width = Width::b64;
    std::size_t end = SIZE_MAX;
  } zero_flag_;
  std::vector<Fixup> fixups_;
  std::vector<Cold> cold_;
  std::uint32_t slot_ = 0;
  std::size_t fail_return_ = 0;
  std::size_t packet_return_ = 0;
  std::size_t body_ = 0;  // the main function's first instruction
  const FramePlan& plan_;
};

}  // namespace

Listing generate(const vm::Program& program, const Options& options,
                 const void* const* function_table) {
  // Pass 1 with long jumps only; pass 2 shortens the jumps pass 1's layout says are near.
  // A short jump that turns out too far is made long in one more pass. The blinding keys
  // repeat in every pass (the seed is drawn once).
  Options fixed = options;
  if (fixed.blind && fixed.seed == 0) {
    std::random_device device;
    fixed.seed = (static_cast<std::uint64_t>(device()) << 32) ^ device() ^ platform::monotonic_ns();
  }
  std::set<std::uint32_t> long_sites;
  const FramePlan plan = plan_frame(program, fixed.abi == Abi::win64);
  Listing listing = Generator(program, fixed, plan, function_table, nullptr, long_sites).run();
  for (int pass = 0; pass < 8; ++pass) {
    const std::vector<std::uint32_t> previous = listing.slot_code;
    Generator generator(program, fixed, plan, function_table, &previous, long_sites);
    Listing shorter = generator.run();
    if (generator.too_far().empty()) return shorter;
    long_sites.insert(generator.too_far().begin(), generator.too_far().end());
  }
  return listing;  // all long: always right
}

}  // namespace xbpf::jit::x86_64
