// Internal to the verifier: the transfer functions and assertions of single instructions
// (analyzer.cpp) used by the fixpoint (verifier.cpp).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "verifier/verifier.h"

namespace xbpf::verifier::detail {

// Limits Linux applies.
inline constexpr std::int64_t kMaxPacketSize = 0xffff;
inline constexpr std::int64_t kMaxLoopIterations = std::int64_t{1} << 23;  // bpf_loop's limit

// Map types (enum bpf_map_type) the rules mention.
enum MapType : std::uint32_t {
  kHash = 1,
  kArray = 2,
  kProgArray = 3,
  kPerfEventArray = 4,
  kPercpuHash = 5,
  kPercpuArray = 6,
  kLruHash = 9,
  kLruPercpuHash = 10,
  kLpmTrie = 11,
  kArrayOfMaps = 12,
  kHashOfMaps = 13,
  kDevmap = 14,
  kCpumap = 16,
  kXskmap = 17,
  kQueue = 22,
  kStack = 23,
  kDevmapHash = 25,
  kRingbuf = 27,
};

// Marks map_value regions that are a map's key (for_each_map_elem's callback argument).
inline constexpr std::uint32_t kKeyRegion = 0x80000000U;

class Checker {
 public:
  Checker(const ProgramView& program, const Options& options, std::vector<Diagnostic>* errors)
      : program_(program),
        options_(options),
        errors_(errors),
        slots_(std::max<std::uint32_t>(1, isa::slot_count(program.code))) {}

  // Applies one instruction (not the control transfer of jumps, calls and exit, which the
  // fixpoint applies on its edges). `site` identifies the instruction in its call context
  // (ids of nullable pointers and references). On a failed assertion the state becomes
  // bottom and, when checking, a diagnostic is recorded.
  void step(State& s, const isa::Instruction& insn, std::uint32_t site);

  // `rX <<= 32; rX >>= 32` (or `s>>= 32`), clang's zero (sign) extension of a 32-bit value
  // kept in a 64-bit register, as one operation: when the value already fits, nothing
  // changes, so the register keeps its relations (a loop counter compared through its
  // extended copy). is_extend32 tells whether two instructions are the idiom; extend32
  // applies it, false (and `s` unchanged) when the register is not a number (then apply each).
  static bool is_extend32(const isa::Instruction& shl, const isa::Instruction& shr);
  bool extend32(State& s, const isa::Instruction& shl, const isa::Instruction& shr);
  // `rX <<= 32; rY = rX; rY >>= 32` (or `s>>= 32`), the same extension into another register
  // (without alu32): rY ends up equal to rX's value before the shift when that value already
  // fits. Returns rY when the three instructions are the idiom and rX's value fits, else -1.
  static int copy_extend32(const State& s, const isa::Instruction& shl, const isa::Instruction& mov,
                           const isa::Instruction& shr);

  // Whether `mov` (`wX = wY`) is followed by `wX -= wZ` (straight-line code that leaves X
  // alone may come between): the copy begins a 32-bit pointer difference.
  [[nodiscard]] bool begins_difference(const isa::Instruction& mov) const;

  // The branch of a conditional jump: `taken` or not. Bottom when infeasible.
  void branch(State& s, const isa::Instruction& insn, bool taken);

  // Exits. The entry function: return value, references and lock. A subprogram or a
  // callback: checked here, then the fixpoint pops the frame.
  void exit_program(State& s, const isa::Instruction& insn);
  void exit_subprogram(State& s, const isa::Instruction& insn, bool callback);

  // bpf-to-bpf call: enter the callee (a new frame); return to the caller.
  void enter_call(State& s) const;
  void return_from_call(State& s) const;
  // Callbacks of bpf_loop / bpf_for_each_map_elem: the helper call's arguments are checked by
  // step(); these build the callback's entry state (bottom when `entry` is not the function
  // the program passed) and the caller's state after a callback invocation, and after the
  // helper returns.
  void enter_callback(State& s, const isa::Instruction& call, std::uint32_t entry) const;
  void return_from_callback(State& s) const;
  void after_callback_helper(State& s, const isa::Instruction& call) const;

  // Call a function with a callback argument (bpf_loop and the like)?
  static bool takes_callback(std::int32_t helper);

  // The lowest stack offset accessed in each frame (for the combined stack size check).
  std::array<int, kMaxFrames> lowest_stack{};
  void reset_stack_use() { lowest_stack.fill(kStackBytes); }
  void note_stack(std::uint32_t frame, int offset) {
    if (frame < lowest_stack.size()) lowest_stack[frame] = std::min(lowest_stack[frame], offset);
  }

 private:
  void fail(State& s, std::uint32_t pc, std::string message, std::string assertion,
            std::initializer_list<int> regs = {});
  // step() and branch() for operands without type sets (the others apply them per member).
  void step_one(State& s, const isa::Instruction& insn, std::uint32_t site);
  void branch_one(State& s, const isa::Instruction& insn, bool taken);
  bool readable(State& s, std::uint32_t pc, int r);
  bool check_access(State& s, std::uint32_t pc, int r, std::int16_t off, unsigned width, bool write,
                    Reg* loaded, const Reg* stored);
  bool check_mem_arg(State& s, std::uint32_t pc, int r, const Scalar& size, bool write,
                     bool nullable_ok, std::string_view what);
  void alu(State& s, const isa::Instruction& insn);
  // The arithmetic of packet_end + constant, negated packet pointers and size_minus (see
  // Kind): true when the instruction was handled (applied, or refused).
  bool packet_arithmetic(State& s, const isa::Instruction& insn, const Reg& dst, const Reg& src);
  void load_immediate(State& s, const isa::Instruction& insn);
  void memory(State& s, const isa::Instruction& insn);
  void atomic(State& s, const isa::Instruction& insn);
  void call_helper(State& s, const isa::Instruction& insn, std::int32_t id, std::uint32_t site);
  void legacy_packet_load(State& s, const isa::Instruction& insn);
  void stack_write(State& s, std::uint32_t frame, const Scalar& offset, unsigned width,
                   const Reg* value);
  void invalidate_packet(State& s) const;
  void release(State& s, std::uint32_t id) const;
  [[nodiscard]] const object::MapDefinition* map(std::uint32_t region) const;

  const ProgramView& program_;
  const Options& options_;
  std::vector<Diagnostic>* errors_;
  std::uint32_t slots_;         // reference ids are context * slots + pc + 1
  std::uint64_t failures_ = 0;  // assertions failed so far (fail())
};

}  // namespace xbpf::verifier::detail
