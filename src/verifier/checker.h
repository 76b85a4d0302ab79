// Internal to the verifier: the transfer functions of single instructions with the assertions
// each must meet, used by the fixpoint (fixpoint.cpp). One file per instruction class:
// checker.cpp (dispatch, type sets), transfer_alu.cpp and transfer_packet_alu.cpp,
// transfer_memory.cpp with access.cpp and access_context.cpp (the regions),
// transfer_helpers.cpp and helper_effects.cpp, transfer_branch.cpp, transfer_calls.cpp.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/values.h"
#include "verifier/verifier.h"

namespace xbpf::verifier::detail {

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
  // One access of `width` bytes at register r + off (`at`: the offset it may have).
  struct Access {
    std::uint32_t pc;
    int r;
    std::int16_t off;
    unsigned width;
    bool write;
    Reg* loaded;        // a load: gets the value read
    const Reg* stored;  // a store: the value written
    Scalar at;
    [[nodiscard]] std::string describe() const;  // "read of 4 bytes at r1 + 8"
    [[nodiscard]] bool in_bounds(std::int64_t size) const {
      return at.smin() >= 0 && at.smax() <= size - static_cast<std::int64_t>(width) &&
             at.smax() >= at.smin();
    }
  };
  // A helper call being checked: what its arguments named.
  struct HelperCall {
    std::int32_t id;
    const progtype::HelperPrototype* proto;
    std::string name;  // "bpf_map_lookup_elem"
    const object::MapDefinition* map = nullptr;
    std::uint32_t map_region = 0;
    std::optional<std::uint32_t> released;  // the reference an argument releases
    std::optional<std::uint32_t> callback;  // the function an argument names
  };

  void fail(State& s, std::uint32_t pc, AssertionKind kind, std::string message,
            std::string assertion, std::initializer_list<int> regs = {});
  // step() and branch() for operands without type sets (the others apply them per member).
  void step_one(State& s, const isa::Instruction& insn, std::uint32_t site);
  void branch_one(State& s, const isa::Instruction& insn, bool taken);
  bool readable(State& s, std::uint32_t pc, int r);

  // ALU (transfer_alu.cpp, transfer_packet_alu.cpp).
  void alu(State& s, const isa::Instruction& insn);
  void alu_copy(State& s, const isa::Instruction& insn, const Reg& src);
  void alu_numbers(State& s, const isa::Instruction& insn, const Reg& dst, const Reg& src);
  void pointer_arithmetic(State& s, const isa::Instruction& insn, const Reg& dst, const Reg& src);
  void pointer_difference(State& s, const isa::Instruction& insn, const Reg& dst, const Reg& src);
  void move_pointer(State& s, const isa::Instruction& insn, const Reg& ptr, const Reg& number);
  // The arithmetic of packet_end + constant, negated packet pointers and size_minus (see
  // Kind): true when the instruction was handled (applied, or refused).
  bool packet_arithmetic(State& s, const isa::Instruction& insn, const Reg& dst, const Reg& src);
  void negated_packet_arithmetic(State& s, const isa::Instruction& insn, const Reg& dst,
                                 const Reg& src);
  void refuse_packet_operation(State& s, const isa::Instruction& insn, int r, const Reg& value);

  // Memory (transfer_memory.cpp, access.cpp, access_context.cpp).
  void load_immediate(State& s, const isa::Instruction& insn);
  void memory(State& s, const isa::Instruction& insn);
  void atomic(State& s, const isa::Instruction& insn);
  void legacy_packet_load(State& s, const isa::Instruction& insn);
  bool check_access(State& s, std::uint32_t pc, int r, std::int16_t off, unsigned width, bool write,
                    Reg* loaded, const Reg* stored);
  bool access_context(State& s, const Access& a, const Reg& reg);
  bool access_stack(State& s, const Access& a, const Reg& reg);
  bool stack_store(State& s, const Access& a, const Reg& reg);
  bool access_packet(State& s, const Access& a);
  bool access_map_value(State& s, const Access& a, const Reg& reg);
  bool access_socket(State& s, const Access& a, const Reg& reg);
  bool out_of_bounds(State& s, const Access& a, std::int64_t size, std::string_view region);
  static Reg context_value(const State& s, progtype::FieldKind kind, unsigned width,
                           std::uint32_t pc);
  void stack_write(State& s, std::uint32_t frame, const Scalar& offset, unsigned width,
                   const Reg* value);

  // Helpers (transfer_helpers.cpp, helper_effects.cpp).
  void call_helper(State& s, const isa::Instruction& insn, std::int32_t id, std::uint32_t site);
  bool check_argument(State& s, std::uint32_t pc, HelperCall& call, int r, progtype::ArgType arg);
  bool check_pointer_argument(State& s, std::uint32_t pc, HelperCall& call, int r,
                              progtype::ArgType arg);
  bool check_mem_arg(State& s, std::uint32_t pc, int r, const Scalar& size, bool write,
                     bool nullable_ok, std::string_view what);
  bool stack_arg_initialised(State& s, std::uint32_t pc, int r, unsigned span,
                             std::string_view what);
  void helper_wrote_stack(State& s, const Reg& reg, const Scalar& size);
  void helper_effects(State& s, const isa::Instruction& insn, const HelperCall& call,
                      std::uint32_t site);
  [[nodiscard]] Reg helper_result(const State& s, const HelperCall& call) const;
  void invalidate_packet(State& s) const;
  void release(State& s, std::uint32_t id) const;

  // Branches (transfer_branch.cpp).
  void branch_size_minus(State& s, const isa::Instruction& insn, bool taken);
  void null_check(State& s, const isa::Instruction& insn, bool taken, int pr);
  bool comparable(State& s, const isa::Instruction& insn, const Reg& dst, const Reg& src);
  void refine_comparison(State& s, const isa::Instruction& insn, bool taken, isa::Sem sem);
  static bool relate(State& s, isa::Sem rel, Zone::Var x, std::int64_t ex, Zone::Var y,
                     std::int64_t ey);

  [[nodiscard]] const object::MapDefinition* map(std::uint32_t region) const;

  const ProgramView& program_;
  const Options& options_;
  std::vector<Diagnostic>* errors_;
  std::uint32_t slots_;         // reference ids are context * slots + pc + 1
  std::uint64_t failures_ = 0;  // assertions failed so far (fail())
};

}  // namespace xbpf::verifier::detail
