#include "verifier/fixpoint.h"

#include <algorithm>
#include <functional>
#include <queue>

#include "verifier/termination.h"

namespace xbpf::verifier::detail {

using isa::Form;

State Analysis::entry() const {
  if (options_.entry) return *options_.entry;
  return entry_state(*program_.type);
}

bool Analysis::over_budget() {
  if (++report_.steps > options_.max_steps) return true;
  if ((report_.steps & 255) == 0) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (elapsed > options_.max_seconds) return true;
  }
  return false;
}

Report Analysis::budget_failure(std::uint32_t pc) {
  Report r = std::move(report_);
  r.errors = {Diagnostic{pc,
                         AssertionKind::analysis_budget,
                         "analysis budget exceeded at pc " + std::to_string(pc),
                         "steps <= " + std::to_string(options_.max_steps) + " and time <= " +
                             std::to_string(static_cast<int>(options_.max_seconds)) + " s",
                         {},
                         {}}};
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return r;
}

void Analysis::record_state(std::uint32_t slot, const Node& node, const State& s) {
  std::string& text = report_.states[slot];
  const auto [last, first] = recorded_context_.try_emplace(slot, node.context);
  if (!first) {
    // One context analyses an instruction twice only after a select (Cfg::select_join).
    text += last->second == node.context ? "\n-- after the other arm of the select --\n"
                                         : "\n-- another call context --\n";
    last->second = node.context;
  }
  text += s.to_string();
}

// The instructions of a block but for the control transfer of its last one.
void Analysis::step_block(const Node& node, std::uint32_t n, State& s, Checker& checker,
                          bool record) {
  const auto code = cfg_.code();
  // copy_extend32: the register that gets the value a temporary holds, at the end of the idiom.
  const Zone::Var saved = Vars::reg(kMaxFrames + 1, 1);
  int extended = -1;
  std::uint32_t extended_at = 0;
  for (std::uint32_t i = node.first; i <= node.last && !s.bottom; ++i) {
    const isa::Instruction& insn = code[i];
    if (extended < 0 && i + 2 <= node.last) {
      extended = Checker::copy_extend32(s, insn, code[i + 1], code[i + 2]);
      if (extended >= 0) {
        extended_at = i + 2;
        s.zone.assign(saved, reg_var(s, insn.dst), 0);
      }
    }
    if (record) record_state(insn.slot, node, s);
    const Form form = insn.info().form;
    const bool control = form == Form::jump || form == Form::jump_long || form == Form::exit ||
                         form == Form::call_local;
    if (i < node.last && Checker::is_extend32(insn, code[i + 1])) {
      // The pair as one operation; the state recorded between them is the first shift's.
      std::optional<State> shifted;
      if (record) shifted = s;
      if (checker.extend32(s, insn, code[i + 1])) {
        if (record) {
          checker.step(*shifted, insn, cfg_.site(n, i));
          record_state(code[i + 1].slot, node, *shifted);
        }
        ++i;
        continue;
      }
    }
    if (!control) checker.step(s, insn, cfg_.site(n, i));
    if (extended >= 0 && i == extended_at) {
      if (!s.bottom) {
        s.zone.assign(reg_var(s, extended), saved, 0);
        s.zone.forget(saved);
      }
      extended = -1;
    }
  }
}

void Analysis::apply_edge(const Edge& edge, const isa::Instruction& last, bool assumption, State& s,
                          Checker& checker) const {
  switch (edge.kind) {
    case EdgeKind::fall: break;
    case EdgeKind::taken:
      if (assumption) {
        s = State::make_bottom();
        break;
      }
      checker.branch(s, last, true);
      break;
    case EdgeKind::not_taken: checker.branch(s, last, false); break;
    case EdgeKind::call: checker.enter_call(s); break;
    case EdgeKind::ret: checker.return_from_call(s); break;
    case EdgeKind::cb_enter: checker.enter_callback(s, last, edge.entry); break;
    case EdgeKind::cb_return: checker.return_from_callback(s); break;
    case EdgeKind::cb_after: checker.after_callback_helper(s, last); break;
  }
}

Analysis::Successors Analysis::transfer(std::uint32_t n, const State& in, Checker& checker,
                                        bool record) {
  const Node& node = cfg_.node(n);
  State s = in;
  reduce_counters(cfg_, n, s);
  Successors out;
  step_block(node, n, s, checker, record);
  if (s.bottom) return out;
  const isa::Instruction& last = cfg_.code()[node.last];
  const Context& context = cfg_.context(node.context);
  if (last.info().form == Form::exit) {
    if (context.parent < 0) {
      // A fragment's end (the exit the analysis appended) checks nothing.
      if (!options_.fragment || node.last + 1 < cfg_.code().size()) checker.exit_program(s, last);
      if (final_pass_ && !s.bottom) report_.exit_state = report_.exit_state.join(s);
      return out;
    }
    checker.exit_subprogram(s, last, context.callback);
  }
  const bool assumption = std::find(options_.assumptions.begin(), options_.assumptions.end(),
                                    last.slot) != options_.assumptions.end();
  for (const Edge& edge : node.out) {
    // The last edge takes the state itself: s is not used after it.
    State next = &edge == &node.out.back() ? std::move(s) : s;
    apply_edge(edge, last, assumption, next, checker);
    if (next.bottom) continue;
    update_counters(cfg_, node, edge, next, options_.keep_loop_counters);
    out.emplace_back(&edge, std::move(next));
  }
  return out;
}

// A worklist in reverse post-order, widening at loop heads (after two visits).
bool Analysis::ascend(std::vector<State>& in) {
  const std::size_t n = cfg_.nodes().size();
  std::vector<std::uint32_t> visits(n, 0);
  Checker quiet(program_, options_, nullptr);
  std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> work;
  std::vector<bool> queued(n, false);
  auto push = [&](std::uint32_t node) {
    if (!queued[node]) {
      queued[node] = true;
      work.push(cfg_.node(node).rpo);
    }
  };
  push(0);
  while (!work.empty()) {
    const std::uint32_t node = cfg_.order()[work.top()];
    work.pop();
    queued[node] = false;
    if (over_budget()) {
      budget_pc_ = cfg_.code()[cfg_.node(node).first].slot;
      return false;
    }
    for (auto& [edge, state] : transfer(node, in[node], quiet, false)) {
      State& target = in[edge->to];
      if (target.bottom) {
        target = std::move(state);
        ++visits[edge->to];
        push(edge->to);
        continue;
      }
      if (state.leq(target)) continue;
      target = cfg_.node(edge->to).head && visits[edge->to] >= 2
                   ? target.widen(state, cfg_.thresholds())
                   : target.join(state);
      ++visits[edge->to];
      push(edge->to);
    }
  }
  return true;
}

// Passes in reverse post-order (Gauss-Seidel), narrowing at heads. Back edges contribute what
// the previous pass computed (first: the ascending result).
bool Analysis::descend(std::vector<State>& in) {
  const std::size_t n = cfg_.nodes().size();
  Checker quiet(program_, options_, nullptr);
  std::vector<State> back(n, State::make_bottom());
  for (std::uint32_t node = 0; node < n; ++node) {
    if (cfg_.node(node).head) back[node] = in[node];
  }
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<State> forward(n, State::make_bottom());
    std::vector<State> next_back(n, State::make_bottom());
    for (std::uint32_t node : cfg_.order()) {
      if (over_budget()) {
        budget_pc_ = cfg_.code()[cfg_.node(node).first].slot;
        return false;
      }
      State state = node == 0 ? entry().join(back[node]) : forward[node].join(back[node]);
      if (cfg_.node(node).head) state = in[node].narrow(state);
      in[node] = std::move(state);
      if (in[node].bottom) continue;
      for (auto& [edge, out] : transfer(node, in[node], quiet, false)) {
        State& target = edge->back ? next_back[edge->to] : forward[edge->to];
        target = target.join(out);
      }
    }
    back = std::move(next_back);
  }
  return true;
}

State Analysis::entering_loop(std::uint32_t head, const std::vector<State>& in, Checker& quiet) {
  const std::vector<std::uint32_t>& body = cfg_.node(head).body;
  State entering = head == 0 ? entry() : State::make_bottom();
  for (std::uint32_t p = 0; p < cfg_.nodes().size(); ++p) {
    if (in[p].bottom || cfg_.position_in(body, p)) continue;
    bool enters = false;
    for (const Edge& e : cfg_.node(p).out) enters = enters || e.to == head;
    if (!enters) continue;
    for (auto& [edge, out] : transfer(p, in[p], quiet, false)) {
      if (edge->to == head) entering = entering.join(out);
    }
  }
  return entering;
}

void Analysis::check_loop(std::uint32_t node, const std::vector<State>& in) {
  const Node& h = cfg_.node(node);
  if (!options_.check_termination || !h.head || h.callback_head) return;
  auto bound = counter_bound(cfg_, node, in[node]);
  if (bound && *bound <= kMaxLoopIterations) return;
  if (!h.body.empty() && h.body.front() == node) {
    // Nothing recorded while unrolling: no exit state, quiet checks.
    const bool final_pass = final_pass_;
    final_pass_ = false;
    Checker quiet(program_, options_, nullptr);
    const Transfer step = [&](std::uint32_t n, const State& s) {
      return transfer(n, s, quiet, false);
    };
    const auto unrolled = bounded_by_unrolling(cfg_, node, entering_loop(node, in, quiet), step,
                                               [&] { return over_budget(); });
    final_pass_ = final_pass;
    if (unrolled) bound = unrolled;
  }
  if (bound && *bound <= kMaxLoopIterations) return;
  const std::uint32_t pc = cfg_.code()[h.first].slot;
  errors_.push_back(
      Diagnostic{pc,
                 AssertionKind::loop_bounded,
                 "the loop at pc " + std::to_string(pc) +
                     " may not terminate: its number of iterations could not be bounded" +
                     (bound ? " below " + std::to_string(kMaxLoopIterations) : ""),
                 "loop@" + std::to_string(pc) + " <= " + std::to_string(kMaxLoopIterations),
                 in[node].to_string(false),
                 {}});
}

// A failed assertion cuts its path (the state becomes bottom), which makes the transfer
// non-monotone: narrowing may then leave states that are not inductive (a loop whose later
// iterations fail looks as if it ran once), and checks on them would prove nothing. Returns
// false when a loop head's state is not inductive.
bool Analysis::check(const std::vector<State>& in, bool descended, std::vector<int>& lowest) {
  lowest.assign(cfg_.contexts().size(), kStackBytes);
  Checker checker(program_, options_, &errors_);
  final_pass_ = true;
  bool inductive = true;
  for (std::uint32_t node : cfg_.order()) {
    if (in[node].bottom) continue;
    checker.reset_stack_use();
    for (auto& [edge, out] : transfer(node, in[node], checker, options_.record_states)) {
      // Other targets joined exactly these states in the last pass: only loop heads, where
      // narrowing met the previous pass's back edges, may have lost some.
      if (descended && inductive && cfg_.node(edge->to).head && !out.leq(in[edge->to]))
        inductive = false;
    }
    // Attribute each frame's use to the function owning it: the context at that depth.
    for (int c = cfg_.node(node).context; c >= 0; c = cfg_.context(c).parent) {
      const auto depth = static_cast<std::size_t>(cfg_.context(c).depth);
      auto& low = lowest[static_cast<std::size_t>(c)];
      low = std::min(low, checker.lowest_stack[depth]);
    }
    check_loop(node, in);
  }
  return inductive;
}

// The combined stack of every call chain (each frame rounded up to 32 bytes, as Linux).
void Analysis::check_combined_stack(const std::vector<int>& lowest) {
  const auto& contexts = cfg_.contexts();
  for (std::size_t c = 1; c < contexts.size(); ++c) {
    int total = 0;
    // A callback starts a chain of its own (Linux follows bpf-to-bpf calls only).
    for (int k = static_cast<int>(c); k >= 0; k = cfg_.context(k).parent) {
      const int used = kStackBytes - lowest[static_cast<std::size_t>(k)];
      total += (std::max(used, 1) + 31) / 32 * 32;
      if (cfg_.context(k).callback) break;
    }
    if (total > kStackBytes) {
      errors_.push_back(Diagnostic{cfg_.code()[contexts[c].call].slot,
                                   AssertionKind::stack_size,
                                   "the combined stack of this call chain is " +
                                       std::to_string(total) + " bytes, more than " +
                                       std::to_string(kStackBytes),
                                   "combined stack <= 512",
                                   {},
                                   {}});
      break;
    }
  }
}

Result<Report> Analysis::run() {
  if (!program_.type) return make_error("no program type");
  if (auto status = cfg_.build(); !status) return std::move(status).error();
  report_.instructions = cfg_.slots();
  report_.blocks = cfg_.nodes().size();
  for (std::uint32_t n = 0; n < cfg_.nodes().size(); ++n) {
    const Node& node = cfg_.node(n);
    if (node.head && !node.callback_head && node.context == 0)
      report_.loop_counters[cfg_.code()[node.first].slot] = Vars::loop_counter(n);
  }
  if (cfg_.budget_exceeded()) return budget_failure(cfg_.budget_pc());
  errors_ = cfg_.errors();
  std::vector<int> lowest;
  // The ascending phase ends only on inductive states; when the narrowed ones are not (and no
  // check failed), the analysis runs again without narrowing.
  for (int attempt = 0;; ++attempt) {
    const bool descended = attempt == 0;
    std::vector<State> in(cfg_.nodes().size(), State::make_bottom());
    in[0] = entry();
    if (!ascend(in) || (descended && !descend(in))) return budget_failure(*budget_pc_);
    if (check(in, descended, lowest) || !errors_.empty()) break;
    report_.states.clear();
    recorded_context_.clear();  // the states are recorded afresh
    report_.exit_state = State::make_bottom();
    final_pass_ = false;
  }
  check_combined_stack(lowest);
  std::sort(errors_.begin(), errors_.end(),
            [](const Diagnostic& a, const Diagnostic& b) { return a.pc < b.pc; });
  errors_.erase(std::unique(errors_.begin(), errors_.end(),
                            [](const Diagnostic& a, const Diagnostic& b) {
                              return a.pc == b.pc && a.message == b.message;
                            }),
                errors_.end());
  report_.errors = std::move(errors_);
  report_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return std::move(report_);
}

}  // namespace xbpf::verifier::detail
