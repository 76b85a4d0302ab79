// Internal to the verifier: the fixpoint over the control-flow graph. An ascending phase (a
// worklist in reverse post-order, widening with thresholds at loop heads), a descending one
// (Gauss-Seidel passes in reverse post-order, narrowing at heads, kept only when the states
// stay inductive), then the checking pass: each node's transfer once more on the final states,
// with a Checker that records diagnostics, and the checks of the whole program (loops bounded,
// the combined stack of every call chain).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "verifier/cfg.h"
#include "verifier/checker.h"
#include "verifier/verifier.h"

namespace xbpf::verifier::detail {

class Analysis {
 public:
  Analysis(const ProgramView& program, const Options& options)
      : program_(program), options_(options), cfg_(program.code, options.fragment) {}

  Result<Report> run();

 private:
  using Successors = std::vector<std::pair<const Edge*, State>>;
  // The states leaving node `n` from `in`, one per edge that is feasible.
  Successors transfer(std::uint32_t n, const State& in, Checker& checker, bool record);
  void step_block(const Node& node, std::uint32_t n, State& s, Checker& checker, bool record);
  void apply_edge(const Edge& edge, const isa::Instruction& last, bool assumption, State& s,
                  Checker& checker) const;
  // The phases. False when the budget ran out.
  bool ascend(std::vector<State>& in);
  bool descend(std::vector<State>& in);
  // The checking pass; false when the states of loop heads were not inductive.
  bool check(const std::vector<State>& in, bool descended, std::vector<int>& lowest);
  void check_loop(std::uint32_t node, const std::vector<State>& in);
  void check_combined_stack(const std::vector<int>& lowest);
  // The states entering loop `head` from outside it.
  State entering_loop(std::uint32_t head, const std::vector<State>& in, Checker& quiet);
  State entry() const;
  bool over_budget();
  Report budget_failure(std::uint32_t pc);
  // --verbose: appends the state before `slot` in `node` to the report's text for the slot.
  void record_state(std::uint32_t slot, const Node& node, const State& s);

  const ProgramView& program_;
  const Options& options_;
  Cfg cfg_;
  std::unordered_map<std::uint32_t, int> recorded_context_;  // slot -> context last recorded
  std::vector<Diagnostic> errors_;
  Report report_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::optional<std::uint32_t> budget_pc_;  // where the budget ran out
  bool final_pass_ = false;                 // the checking pass (records the exit state)
};

}  // namespace xbpf::verifier::detail
