// The verifier: proves by abstract interpretation that a program is safe to run (memory
// accesses inside their regions, no uninitialised reads, pointer rules, helper contracts,
// references released, termination, return values) for its program type, or explains the
// first property it could not prove.
//
// Local calls are inlined (each call site analysed in its own context, as PREVAIL does);
// callbacks of bpf_loop and bpf_for_each_map_elem are loops around the call. The fixpoint runs
// over basic blocks in reverse post-order with widening (with thresholds) at loop heads, then
// descending passes with narrowing (kept only when the states stay inductive); assertions are
// checked on the final states.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isa/instruction.h"
#include "object/object.h"
#include "progtype/progtype.h"
#include "support/error.h"
#include "verifier/state.h"

namespace xbpf::verifier {

struct Options {
  // Every loop must be proven to terminate (its iteration count bounded).
  bool check_termination = true;
  // A divisor that may be zero is fine (RFC 9669 defines the result) unless this is false.
  bool allow_division_by_zero = true;
  // Budget: block transfers and wall-clock time; exceeding either fails the analysis with
  // "analysis budget exceeded at pc N".
  std::uint64_t max_steps = 4'000'000;
  double max_seconds = 30.0;
  // Keep the state before every instruction (for --verbose and --dot).
  bool record_states = false;
  // Replaces the entry state the program type implies (the YAML harness states it).
  std::optional<State> entry;
  // The code is a fragment (the YAML cases): falling off its end leaves the entry function,
  // without the checks of an exit instruction.
  bool fragment = false;
  // Conditional jumps (by slot) that state an assumption: only their fall-through is followed
  // (the YAML cases' `assume COND` is `if !COND goto +0` listed here).
  std::vector<std::uint32_t> assumptions;
  // Keep each loop's iteration counter after the loop (in the exit state, for the YAML
  // cases' `pc[LABEL]`); by default a counter is dropped on the edges that leave its loop,
  // which keeps the relational domain small in programs with many loops.
  bool keep_loop_counters = false;
};

struct ProgramView {
  std::span<const isa::Instruction> code;
  const progtype::ProgramTypeInfo* type = nullptr;
  progtype::AttachType attach = progtype::AttachType::none;
  // Maps referenced by lddw (src 1/2 by fd and src 5/6 by index both index this list).
  std::span<const object::MapDefinition> maps;
};

// The kind of obligation a diagnostic reports (assertions.def).
enum class AssertionKind : std::uint8_t {
#define XBPF_ASSERTION(name, what) name,
#include "verifier/assertions.def"
#undef XBPF_ASSERTION
};
std::string_view assertion_kind_name(AssertionKind kind);  // "in_bounds"
std::string_view assertion_kind_meaning(AssertionKind kind);
std::optional<AssertionKind> assertion_kind_named(std::string_view name);
std::span<const AssertionKind> all_assertion_kinds();

struct Diagnostic {
  std::uint32_t pc = 0;  // slot of the instruction
  AssertionKind kind = AssertionKind::analysis_budget;
  std::string message;        // what failed, in words
  std::string assertion;      // the property with its operands, e.g. "r2.offset + 4 <= packet_size"
  std::string state;          // the relevant registers and stack
  std::vector<int> operands;  // the registers the assertion is about
};

struct Report {
  std::vector<Diagnostic> errors;  // sorted by pc; empty when the program is safe
  std::uint32_t instructions = 0;
  std::size_t blocks = 0;   // basic blocks analysed, call contexts included
  std::uint64_t steps = 0;  // block transfers
  double seconds = 0;
  // With record_states: the state before each instruction (slot), joined over contexts.
  std::map<std::uint32_t, std::string> states;
  // Exit state of the program (the join of every exit of the entry function).
  State exit_state = State::make_bottom();
  // The loop counters of the entry function's loops in exit_state's zone: the slot of each
  // loop head -> its counter's variable (0 on entering the loop, +1 per back edge).
  std::map<std::uint32_t, Zone::Var> loop_counters;
  [[nodiscard]] bool passed() const { return errors.empty(); }
};

// The entry state of a program of `type`: r1 the context, r10 the stack.
State entry_state(const progtype::ProgramTypeInfo& type);

// Errors (Result's) only for input the verifier cannot analyse at all (an invalid program);
// every safety problem is a Diagnostic in the report.
Result<Report> verify(const ProgramView& program, const Options& options = {});
// The same from an explicit entry state (rather than the program type's).
Result<Report> verify(const ProgramView& program, const State& entry, Options options = {});

}  // namespace xbpf::verifier

namespace xbpf::verifier {

// A program of a loaded object, with the object's maps.
Result<Report> verify(const object::Object& object, const object::Program& program,
                      const Options& options = {});

// The source line BTF line info gives for `pc`, or nullptr.
const object::LineInfo* line_for(const object::Program& program, std::uint32_t pc);

// What `xbpf verify` prints for a program: "PASS xdp/fn (N instructions, T ms)", or "FAIL ..."
// followed by the first error (every error with `all`): "file.c:LINE: pc N: message
// (assertion)", the C source line, the instruction and the relevant state.
std::string format_report(const object::Program& program, const Report& report, bool all = false);

}  // namespace xbpf::verifier
