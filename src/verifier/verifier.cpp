#include "verifier/verifier.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>

#include "verifier/analyzer.h"

namespace xbpf::verifier {
namespace {

using detail::Checker;
using isa::Form;

// Steps beyond this do not get a scaled counter (a loop of such steps has few iterations).
constexpr std::int64_t kMaxStride = 1 << 16;
// How far before a comparison of two registers constants moved into them become thresholds.
constexpr std::uint32_t kConstantLookBack = 16;
// Bounded unrolling of a loop the domains cannot bound (Analysis::unrolled_bound): at most this
// many iterations, of bodies of at most this many blocks.
constexpr std::uint32_t kMaxUnrolledIterations = 64;
constexpr std::size_t kMaxUnrolledBody = 64;

enum class EdgeKind : std::uint8_t {
  fall,       // the next block, or an unconditional jump
  taken,      // a conditional jump's target
  not_taken,  // a conditional jump's fall-through
  call,       // into a bpf-to-bpf callee
  ret,        // from a callee's exit back to the caller
  cb_enter,   // from a callback helper's call into the callback
  cb_return,  // from the callback's exit back to the call (a loop)
  cb_after,   // the helper returns
};

struct Edge {
  std::uint32_t to = 0;
  EdgeKind kind = EdgeKind::fall;
  bool back = false;
  std::uint32_t entry = 0;  // cb_enter: the callback's entry slot
};

struct Context {
  int parent = -1;
  std::uint32_t call = 0;   // instruction index of the call in the parent
  std::uint32_t entry = 0;  // instruction index of the function's first instruction
  int depth = 0;
  bool callback = false;
};

struct Node {
  int context = 0;
  std::uint32_t first = 0, last = 0;  // instruction indexes, inclusive
  std::vector<Edge> out;
  // Per edge of `out`: the loop heads whose loop it leaves (their counters are dead past it).
  std::vector<std::vector<std::uint32_t>> exits;
  bool head = false;           // target of a back edge
  bool callback_head = false;  // a callback helper's call (bounded by the helper)
  std::uint32_t rpo = 0;
  // A loop head: the strides of its scaled counters (Vars::loop_scaled), 0 when unused.
  std::array<std::int64_t, Vars::kMaxStrides> strides{};
  // A loop head: the blocks of its body in reverse post-order (the head first), when it is
  // small enough to unroll.
  std::vector<std::uint32_t> body;
};

class Analysis {
 public:
  Analysis(const ProgramView& program, const Options& options)
      : program_(program), options_(options), code_(program.code) {
    if (options.fragment && !code_.empty()) {
      // Falling off a fragment's end (or jumping there) leaves it: an exit follows.
      fragment_code_.assign(code_.begin(), code_.end());
      fragment_code_.push_back(isa::make(isa::Op::exit));
      fragment_code_.back().slot = isa::slot_count(code_);
      code_ = fragment_code_;
    }
  }

  Result<Report> run();

 private:
  Status index_program();
  Status build_graph();
  void mark_loop_exits();
  std::uint32_t node_for(int context, std::uint32_t leader, bool second = false);
  std::optional<std::uint32_t> select_join(std::uint32_t first, std::uint32_t last) const;
  void add_successors(std::uint32_t n);
  int context_for(int parent, std::uint32_t call, std::uint32_t entry, bool callback, bool* error);
  void graph_error(std::uint32_t index, std::string message, std::string assertion);
  std::vector<std::pair<const Edge*, State>> transfer(std::uint32_t n, const State& in,
                                                      Checker& checker, bool record);
  void counter(const Node& from, const Edge& edge, State& s) const;
  void reduce_counters(std::uint32_t head, State& s) const;
  std::optional<std::int64_t> unrolled_bound(std::uint32_t head, const std::vector<State>& in);
  State entry() const;
  [[nodiscard]] std::uint32_t site(std::uint32_t n, std::uint32_t index) const {
    return static_cast<std::uint32_t>(nodes_[n].context) * slots_ + code_[index].slot + 1;
  }
  bool over_budget();
  // --verbose: appends the state before `slot` in `node` to the report's text for the slot.
  void record_state(std::uint32_t slot, const Node& node, const State& s);

  const ProgramView& program_;
  const Options& options_;
  std::span<const isa::Instruction> code_;
  std::vector<isa::Instruction> fragment_code_;  // a fragment's code and the exit appended
  std::uint32_t slots_ = 0;
  std::unordered_map<std::uint32_t, std::uint32_t> index_of_slot_;
  std::vector<bool> leader_;
  std::vector<std::uint32_t> block_end_;  // by leader index: last index of its block
  std::vector<bool> backward_target_;     // targets of jumps to themselves or backwards
  std::set<std::uint32_t> entries_;       // function entries (instruction indexes)
  std::map<std::uint32_t, std::vector<std::uint32_t>>
      callbacks_;                                            // function entry -> code_addr targets
  std::unordered_map<std::uint32_t, int> recorded_context_;  // slot -> context last recorded
  std::vector<Context> contexts_;
  std::map<std::tuple<int, std::uint32_t, std::uint32_t>, int> context_ids_;
  std::vector<Node> nodes_;
  std::unordered_map<std::uint64_t, std::uint32_t> node_ids_;
  std::vector<std::uint32_t> order_;  // reverse post-order
  std::vector<std::int64_t> thresholds_;
  std::vector<Diagnostic> errors_;
  Report report_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::uint32_t budget_pc_ = 0;
  bool budget_exceeded_ = false;
  bool final_pass_ = false;  // the checking pass (records the exit state)
};

void Analysis::graph_error(std::uint32_t index, std::string message, std::string assertion) {
  errors_.push_back(Diagnostic{code_[index].slot, std::move(message), std::move(assertion), {}});
}

Status Analysis::index_program() {
  if (code_.empty()) return make_error("the program is empty");
  if (auto status = isa::validate(code_); !status) return status;
  slots_ = isa::slot_count(code_);
  for (std::uint32_t i = 0; i < code_.size(); ++i) index_of_slot_[code_[i].slot] = i;
  leader_.assign(code_.size() + 1, false);
  leader_[0] = true;
  entries_.insert(0);
  auto target_index = [&](std::int64_t slot) -> std::uint32_t {
    return index_of_slot_.at(static_cast<std::uint32_t>(slot));
  };
  std::set<std::int64_t> thresholds = {0, 1, kStackBytes, detail::kMaxPacketSize};
  for (std::uint32_t i = 0; i < code_.size(); ++i) {
    const isa::Instruction& insn = code_[i];
    const isa::OpInfo& info = insn.info();
    if (isa::is_branch(info.form)) {
      leader_[target_index(insn.target())] = true;
      leader_[i + 1] = true;
    }
    if (info.form == Form::cond_imm) {
      for (std::int64_t d : {-1, 0, 1}) thresholds.insert(std::int64_t{insn.imm} + d);
    }
    if (info.form == Form::cond_reg) {
      // A bound held in a register (clang moves loop-invariant constants out of loops): the
      // constants moved into the compared registers shortly before count as well.
      for (std::uint32_t j = i; j-- > 0 && j + kConstantLookBack >= i;) {
        const isa::Instruction& def = code_[j];
        if (def.info().form == Form::alu_imm && def.info().sem == isa::Sem::mov &&
            (def.dst == insn.dst || def.dst == insn.src)) {
          for (std::int64_t d : {-1, 0, 1}) thresholds.insert(std::int64_t{def.imm} + d);
        }
      }
    }
    // A mask (x &= 255) bounds the values it keeps: widening stops there first.
    if (info.form == Form::alu_imm && info.sem == isa::Sem::and_ && insn.imm > 0)
      thresholds.insert(insn.imm);
    if (info.form == Form::exit) leader_[i + 1] = true;
    if (info.form == Form::call_local) {
      const std::uint32_t t = target_index(insn.target());
      leader_[t] = true;
      entries_.insert(t);
      leader_[i + 1] = true;
    }
    if (info.form == Form::call_helper && Checker::takes_callback(insn.imm)) {
      leader_[i] = true;
      leader_[i + 1] = true;
    }
    if (info.form == Form::lddw && info.sem == isa::Sem::code_addr) {
      const std::int64_t slot = std::int64_t{insn.slot} + 1 + insn.imm;
      auto it = index_of_slot_.find(static_cast<std::uint32_t>(slot));
      if (slot < 0 || it == index_of_slot_.end()) {
        return make_error("lddw code_addr at pc " + std::to_string(insn.slot) +
                          " points outside the program or into an lddw");
      }
    }
  }
  // Callbacks: the code_addr targets of each function (every one of the program when the
  // calling function has none).
  std::vector<std::uint32_t> all_targets;
  for (std::uint32_t i = 0; i < code_.size(); ++i) {
    const isa::Instruction& insn = code_[i];
    if (insn.info().form == Form::lddw && insn.info().sem == isa::Sem::code_addr) {
      const std::uint32_t t =
          index_of_slot_.at(static_cast<std::uint32_t>(insn.slot + 1 + insn.imm));
      entries_.insert(t);
      leader_[t] = true;
    }
  }
  for (std::uint32_t i = 0; i < code_.size(); ++i) {
    const isa::Instruction& insn = code_[i];
    if (insn.info().form == Form::lddw && insn.info().sem == isa::Sem::code_addr) {
      const std::uint32_t t =
          index_of_slot_.at(static_cast<std::uint32_t>(insn.slot + 1 + insn.imm));
      const std::uint32_t function = *std::prev(entries_.upper_bound(i));
      auto& list = callbacks_[function];
      if (std::find(list.begin(), list.end(), t) == list.end()) list.push_back(t);
      if (std::find(all_targets.begin(), all_targets.end(), t) == all_targets.end())
        all_targets.push_back(t);
    }
  }
  for (std::uint32_t e : entries_) {
    if (!callbacks_.count(e)) callbacks_[e] = all_targets;
  }
  backward_target_.assign(code_.size() + 1, false);
  for (std::uint32_t i = 0; i < code_.size(); ++i) {
    if (!isa::is_branch(code_[i].info().form)) continue;
    const std::uint32_t t = target_index(code_[i].target());
    if (t <= i) backward_target_[t] = true;
  }
  block_end_.assign(code_.size(), 0);
  for (std::uint32_t i = static_cast<std::uint32_t>(code_.size()); i-- > 0;) {
    block_end_[i] = leader_[i + 1] || i + 1 == code_.size() ? i : block_end_[i + 1];
  }
  thresholds_.assign(thresholds.begin(), thresholds.end());
  return {};
}

int Analysis::context_for(int parent, std::uint32_t call, std::uint32_t entry, bool callback,
                          bool* error) {
  auto key = std::make_tuple(parent, call, entry);
  if (auto it = context_ids_.find(key); it != context_ids_.end()) return it->second;
  const Context& p = contexts_[static_cast<std::size_t>(parent)];
  *error = false;
  if (p.depth + 1 >= kMaxFrames) {
    graph_error(call,
                "too many call stack frames: this call would be frame " +
                    std::to_string(p.depth + 2) + " (at most " + std::to_string(kMaxFrames) + ")",
                "call depth <= 8");
    *error = true;
    return -1;
  }
  for (int c = parent; c >= 0; c = contexts_[static_cast<std::size_t>(c)].parent) {
    if (contexts_[static_cast<std::size_t>(c)].entry == entry) {
      graph_error(call, "recursive call to the function at pc " + std::to_string(code_[entry].slot),
                  "no recursion");
      *error = true;
      return -1;
    }
  }
  contexts_.push_back(Context{parent, call, entry, p.depth + 1, callback});
  const int id = static_cast<int>(contexts_.size() - 1);
  context_ids_.emplace(key, id);
  return id;
}

// A select by branches, `rX = a; if (...) goto join; rX = b; join:` (clang's min and max of
// pointers): when the block [first, last] is the second arm (register copies only, after a
// conditional jump to where it goes), its join. That join is analysed twice, once from each
// arm, which keeps apart what the two paths know (`max(p, end) - p` is a number and a
// difference from the packet's end); their successors join as usual.
std::optional<std::uint32_t> Analysis::select_join(std::uint32_t first, std::uint32_t last) const {
  if (first == 0) return std::nullopt;
  const isa::Instruction& jump = code_[first - 1];
  const Form jf = jump.info().form;
  if (jf != Form::cond_imm && jf != Form::cond_reg) return std::nullopt;
  const std::uint32_t join = index_of_slot_.at(static_cast<std::uint32_t>(jump.target()));
  if (join <= last || backward_target_[join]) return std::nullopt;
  std::uint32_t end = last;
  const Form lf = code_[last].info().form;
  if (lf == Form::jump) {
    if (index_of_slot_.at(static_cast<std::uint32_t>(code_[last].target())) != join)
      return std::nullopt;
    if (last == first) return std::nullopt;
    --end;
  } else if (last + 1 != join) {
    return std::nullopt;
  }
  for (std::uint32_t i = first; i <= end; ++i) {
    const isa::OpInfo& info = code_[i].info();
    if (info.form != Form::alu_reg || info.sem != isa::Sem::mov || info.width != 64)
      return std::nullopt;
  }
  return join;
}

std::uint32_t Analysis::node_for(int context, std::uint32_t leader, bool second) {
  const std::uint64_t key = (static_cast<std::uint64_t>(context) << 32) | leader |
                            (static_cast<std::uint64_t>(second) << 63);
  if (auto it = node_ids_.find(key); it != node_ids_.end()) return it->second;
  Node node;
  node.context = context;
  node.first = leader;
  node.last = block_end_[leader];
  const isa::Instruction& last = code_[node.last];
  node.callback_head = last.info().form == Form::call_helper && Checker::takes_callback(last.imm) &&
                       node.first == node.last;
  nodes_.push_back(std::move(node));
  const auto id = static_cast<std::uint32_t>(nodes_.size() - 1);
  node_ids_.emplace(key, id);
  return id;
}

void Analysis::add_successors(std::uint32_t n) {
  const int ctx = nodes_[n].context;
  const std::uint32_t last = nodes_[n].last;
  const isa::Instruction& insn = code_[last];
  const isa::OpInfo& info = insn.info();
  std::vector<Edge> out;
  auto next = [&](EdgeKind kind) {
    if (last + 1 >= code_.size()) {
      graph_error(last, "the program falls off its end", "last instruction is exit or ja");
      return;
    }
    out.push_back(Edge{node_for(ctx, last + 1), kind});
  };
  const Context context = contexts_[static_cast<std::size_t>(ctx)];
  switch (info.form) {
    case Form::jump:
    case Form::jump_long: {
      const std::uint32_t target = index_of_slot_.at(static_cast<std::uint32_t>(insn.target()));
      out.push_back(Edge{node_for(ctx, target, select_join(nodes_[n].first, last) == target),
                         EdgeKind::fall});
      break;
    }
    case Form::cond_imm:
    case Form::cond_reg:
      out.push_back(
          Edge{node_for(ctx, index_of_slot_.at(static_cast<std::uint32_t>(insn.target()))),
               EdgeKind::taken});
      next(EdgeKind::not_taken);
      break;
    case Form::exit:
      if (context.parent >= 0) {
        if (context.callback) {
          out.push_back(Edge{node_for(context.parent, context.call), EdgeKind::cb_return});
        } else {
          out.push_back(Edge{node_for(context.parent, context.call + 1), EdgeKind::ret});
        }
      }
      break;
    case Form::call_local: {
      bool error = false;
      const std::uint32_t entry = index_of_slot_.at(static_cast<std::uint32_t>(insn.target()));
      const int callee = context_for(ctx, last, entry, false, &error);
      if (callee >= 0) out.push_back(Edge{node_for(callee, entry), EdgeKind::call});
      break;
    }
    default:
      if (nodes_[n].callback_head) {
        const std::uint32_t function = *std::prev(entries_.upper_bound(last));
        for (std::uint32_t entry : callbacks_[function]) {
          bool error = false;
          const int callee = context_for(ctx, last, entry, true, &error);
          if (callee >= 0) {
            out.push_back(
                Edge{node_for(callee, entry), EdgeKind::cb_enter, false, code_[entry].slot});
          }
        }
        next(EdgeKind::cb_after);
      } else if (select_join(nodes_[n].first, last) == last + 1) {
        out.push_back(Edge{node_for(ctx, last + 1, true), EdgeKind::fall});
      } else {
        next(EdgeKind::fall);
      }
      break;
  }
  nodes_[n].out = std::move(out);
}

Status Analysis::build_graph() {
  contexts_.push_back(Context{});
  node_for(0, 0);
  // Iterative depth-first search: discovers the nodes, marks back edges, orders them.
  std::vector<std::uint8_t> color;  // 0 new, 1 on the stack, 2 done
  std::vector<std::pair<std::uint32_t, std::size_t>> stack;
  std::vector<std::uint32_t> post;
  auto visit = [&](std::uint32_t n) {
    if (color.size() <= n) color.resize(n + 1, 0);
    color[n] = 1;
    add_successors(n);
    stack.emplace_back(n, 0);
  };
  visit(0);
  while (!stack.empty()) {
    auto& [n, i] = stack.back();
    if (i < nodes_[n].out.size()) {
      Edge& e = nodes_[n].out[i++];
      if (color.size() <= e.to) color.resize(e.to + 1, 0);
      if (color[e.to] == 0) {
        if (nodes_.size() > 4'000'000) {
          budget_exceeded_ = true;
          budget_pc_ = code_[nodes_[n].last].slot;
          return {};
        }
        visit(e.to);
      } else if (color[e.to] == 1) {
        e.back = true;
        nodes_[e.to].head = true;
      }
      continue;
    }
    color[n] = 2;
    post.push_back(n);
    stack.pop_back();
  }
  order_.assign(post.rbegin(), post.rend());
  for (std::uint32_t k = 0; k < order_.size(); ++k) nodes_[order_[k]].rpo = k;
  mark_loop_exits();
  return {};
}

// The body of each loop is its head and every node that reaches one of its back edges without
// passing the head; an edge from the body to outside it leaves the loop. Its counter is then
// forgotten: the difference-bound matrix keeps only the counters of live loops, and its
// operations are quadratic in its variables, so N loops in sequence cost O(N), not O(N^3).
// (Forgetting only loses information: a body found too small could only fail a termination
// proof, never accept more.)
void Analysis::mark_loop_exits() {
  const auto n = static_cast<std::uint32_t>(nodes_.size());
  std::vector<std::vector<std::uint32_t>> predecessors(n);
  std::map<std::uint32_t, std::vector<std::uint32_t>> tails;  // head -> sources of back edges
  for (std::uint32_t u = 0; u < n; ++u) {
    for (const Edge& e : nodes_[u].out) {
      predecessors[e.to].push_back(u);
      if (e.back) tails[e.to].push_back(u);
    }
  }
  std::vector<std::uint32_t> mark(n, 0);
  std::vector<std::uint32_t> body, work;
  std::uint32_t stamp = 0;
  for (const auto& [head, sources] : tails) {
    ++stamp;
    mark[head] = stamp;
    body.assign(1, head);
    work.clear();
    for (std::uint32_t t : sources) {
      if (mark[t] != stamp) {
        mark[t] = stamp;
        work.push_back(t);
      }
    }
    while (!work.empty()) {
      const std::uint32_t u = work.back();
      work.pop_back();
      body.push_back(u);
      for (std::uint32_t p : predecessors[u]) {
        if (mark[p] != stamp) {
          mark[p] = stamp;
          work.push_back(p);
        }
      }
    }
    // Constant steps of registers in the body (`r += 8`): the strides of scaled counters.
    std::size_t strides = 0;
    for (std::uint32_t u : body) {
      for (std::uint32_t i = nodes_[u].first; i <= nodes_[u].last; ++i) {
        const isa::Instruction& insn = code_[i];
        const isa::OpInfo& info = insn.info();
        if (info.form != Form::alu_imm || (info.sem != isa::Sem::add && info.sem != isa::Sem::sub))
          continue;
        const std::int64_t step = info.sem == isa::Sem::add ? insn.imm : -std::int64_t{insn.imm};
        if (step >= -1 && step <= 1) continue;
        if (step < -kMaxStride || step > kMaxStride) continue;
        auto& list = nodes_[head].strides;
        if (std::find(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(strides), step) ==
                list.begin() + static_cast<std::ptrdiff_t>(strides) &&
            strides < list.size())
          list[strides++] = step;
      }
    }
    if (body.size() <= kMaxUnrolledBody) {
      nodes_[head].body = body;
      std::sort(nodes_[head].body.begin(), nodes_[head].body.end(),
                [&](std::uint32_t a, std::uint32_t b) { return nodes_[a].rpo < nodes_[b].rpo; });
    }
    for (std::uint32_t u : body) {
      Node& node = nodes_[u];
      node.exits.resize(node.out.size());
      for (std::size_t i = 0; i < node.out.size(); ++i) {
        if (mark[node.out[i].to] != stamp) node.exits[i].push_back(head);
      }
    }
  }
}

State Analysis::entry() const {
  if (options_.entry) return *options_.entry;
  return entry_state(*program_.type);
}

void Analysis::counter(const Node& from, const Edge& edge, State& s) const {
  if (s.bottom) return;
  if (const auto i = static_cast<std::size_t>(&edge - from.out.data());
      !options_.keep_loop_counters && i < from.exits.size()) {
    for (std::uint32_t head : from.exits[i]) {
      s.zone.forget(Vars::loop_counter(head));
      s.zone.forget(Vars::loop_down(head));
      for (int k = 0; k < Vars::kMaxStrides; ++k) {
        if (nodes_[head].strides[static_cast<std::size_t>(k)] != 0)
          s.zone.forget(Vars::loop_scaled(head, k));
      }
    }
  }
  const Node& to = nodes_[edge.to];
  if (!to.head || to.callback_head) return;
  const Zone::Var up = Vars::loop_counter(edge.to);
  const Zone::Var down = Vars::loop_down(edge.to);
  if (edge.back) {
    s.zone.assign(up, up, 1);
    s.zone.assign(down, down, -1);
  } else {
    s.zone.assign_range(up, 0, 0);
    s.zone.assign_range(down, 0, 0);
  }
  for (int k = 0; k < Vars::kMaxStrides; ++k) {
    const std::int64_t stride = to.strides[static_cast<std::size_t>(k)];
    if (stride == 0) continue;
    const Zone::Var scaled = Vars::loop_scaled(edge.to, k);
    if (edge.back) {
      s.zone.assign(scaled, scaled, stride);
    } else {
      s.zone.assign_range(scaled, 0, 0);
    }
  }
}

// At a loop head, scaled = stride * counter holds in every execution (both start at 0 and move
// together on back edges); the zone keeps neither the product nor, after widening, their bounds.
// Each one's bounds give the other's: `i <= 255` with `i - 16 * counter == 0` bounds the counter
// by 15, which in turn bounds i by 240.
void Analysis::reduce_counters(std::uint32_t head, State& s) const {
  const Node& node = nodes_[head];
  if (s.bottom || !node.head || node.callback_head || node.strides[0] == 0) return;
  const Zone::Var up = Vars::loop_counter(head);
  const Zone::Var down = Vars::loop_down(head);
  if (!s.zone.has(up)) return;  // past the loop (counters kept) or not entered
  auto counter_range = [&] {
    auto [lo, hi] = s.zone.range(up);
    if (auto d = s.zone.upper(down); d && (!lo || -*d > *lo)) lo = -*d;
    if (auto d = s.zone.lower(down); d && (!hi || -*d < *hi)) hi = -*d;
    return std::pair{lo, hi};
  };
  auto floor_div = [](std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
  };
  auto ceil_div = [&](std::int64_t a, std::int64_t b) { return -floor_div(-a, b); };
  auto add = [&](Zone::Var x, Zone::Var y, std::int64_t c) {
    if (!s.bottom && c > -Zone::kLimit && c < Zone::kLimit && !s.add_relation(x, y, c))
      s = State::make_bottom();
  };
  for (int k = 0; k < Vars::kMaxStrides && !s.bottom; ++k) {
    const std::int64_t stride = node.strides[static_cast<std::size_t>(k)];
    if (stride == 0) break;
    const Zone::Var scaled = Vars::loop_scaled(head, k);
    // The counter from scaled (counter = scaled / stride), then scaled from the counter.
    const auto [slo, shi] = s.zone.range(scaled);
    const auto low = stride > 0 ? slo : shi;   // stride * counter >= low
    const auto high = stride > 0 ? shi : slo;  // stride * counter <= high (in magnitude)
    const std::int64_t step = stride > 0 ? stride : -stride;
    if (high) {
      const std::int64_t bound = floor_div(stride > 0 ? *high : -*high, step);
      add(up, Zone::kZero, bound);
      add(Zone::kZero, down, bound);
    }
    if (low) {
      const std::int64_t bound = ceil_div(stride > 0 ? *low : -*low, step);
      add(Zone::kZero, up, -bound);
      add(down, Zone::kZero, -bound);
    }
    if (s.bottom) return;
    const auto [lo, hi] = counter_range();
    std::int64_t product = 0;
    if (hi && !__builtin_mul_overflow(*hi, stride, &product)) {
      if (stride > 0)
        add(scaled, Zone::kZero, product);
      else
        add(Zone::kZero, scaled, -product);
    }
    if (lo && !__builtin_mul_overflow(*lo, stride, &product)) {
      if (stride > 0)
        add(Zone::kZero, scaled, -product);
      else
        add(scaled, Zone::kZero, product);
    }
  }
}

// A loop may stop after a few iterations for reasons of value that no relation with its counter
// states (`while (x >> 16) x = (x & 0xffff) + (x >> 16)`). Its body (acyclic but for the back
// edges to the head) runs from the states entering the loop, one iteration at a time, without
// joining iterations: the states of iteration k include every concrete state after k
// iterations, so when none returns to the head the loop runs at most k times. Only a proof of
// termination: the fixpoint's states (widened) remain what the checks use.
std::optional<std::int64_t> Analysis::unrolled_bound(std::uint32_t head,
                                                     const std::vector<State>& in) {
  const std::vector<std::uint32_t>& body = nodes_[head].body;
  if (body.empty() || body.front() != head) return std::nullopt;
  auto index_of = [&](std::uint32_t n) -> std::optional<std::size_t> {
    auto it = std::lower_bound(body.begin(), body.end(), n, [&](std::uint32_t a, std::uint32_t b) {
      return nodes_[a].rpo < nodes_[b].rpo;
    });
    if (it == body.end() || *it != n) return std::nullopt;
    return static_cast<std::size_t>(it - body.begin());
  };
  Checker quiet(program_, options_, nullptr);
  const bool final_pass = final_pass_;
  final_pass_ = false;  // no exit state recorded from here
  struct Restore {
    bool& flag;
    bool value;
    ~Restore() { flag = value; }
  } restore{final_pass_, final_pass};
  // The states entering the loop: along the edges into the head that are not back edges.
  State entering = head == 0 ? entry() : State::make_bottom();
  for (std::uint32_t p = 0; p < nodes_.size(); ++p) {
    if (in[p].bottom || index_of(p)) continue;
    bool enters = false;
    for (const Edge& e : nodes_[p].out) enters = enters || e.to == head;
    if (!enters) continue;
    for (auto& [edge, out] : transfer(p, in[p], quiet, false)) {
      if (edge->to == head) entering = entering.join(out);
    }
  }
  std::vector<State> states(body.size());
  for (std::uint32_t k = 0; k <= kMaxUnrolledIterations; ++k) {
    if (entering.bottom) return k == 0 ? 0 : std::int64_t{k} - 1;
    std::fill(states.begin(), states.end(), State::make_bottom());
    states[0] = std::move(entering);
    entering = State::make_bottom();
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (states[i].bottom) continue;
      if (over_budget()) return std::nullopt;
      for (auto& [edge, out] : transfer(body[i], states[i], quiet, false)) {
        const auto j = index_of(edge->to);
        if (!j) continue;  // leaves the loop
        if (*j == 0 && edge->back) {
          entering = entering.join(out);
        } else if (*j > i && !edge->back) {
          states[*j] = states[*j].join(out);
        } else {
          return std::nullopt;  // an inner loop
        }
      }
    }
  }
  return std::nullopt;
}

void Analysis::record_state(std::uint32_t slot, const Node& node, const State& s) {
  std::string& text = report_.states[slot];
  const auto [last, first] = recorded_context_.try_emplace(slot, node.context);
  if (!first) {
    // One context analyses an instruction twice only after a select (select_join).
    text += last->second == node.context ? "\n-- after the other arm of the select --\n"
                                         : "\n-- another call context --\n";
    last->second = node.context;
  }
  text += s.to_string();
}

std::vector<std::pair<const Edge*, State>> Analysis::transfer(std::uint32_t n, const State& in,
                                                              Checker& checker, bool record) {
  const Node& node = nodes_[n];
  State s = in;
  reduce_counters(n, s);
  std::vector<std::pair<const Edge*, State>> out;
  // copy_extend32: the register that gets the value a temporary holds, at the end of the idiom.
  const Zone::Var saved = Vars::reg(kMaxFrames + 1, 1);
  int extended = -1;
  std::uint32_t extended_at = 0;
  for (std::uint32_t i = node.first; i <= node.last && !s.bottom; ++i) {
    const isa::Instruction& insn = code_[i];
    if (extended < 0 && i + 2 <= node.last) {
      extended = Checker::copy_extend32(s, insn, code_[i + 1], code_[i + 2]);
      if (extended >= 0) {
        extended_at = i + 2;
        s.zone.assign(saved, reg_var(s, insn.dst), 0);
      }
    }
    if (record) record_state(insn.slot, node, s);
    const Form form = insn.info().form;
    const bool control = form == Form::jump || form == Form::jump_long || form == Form::exit ||
                         form == Form::call_local;
    if (i < node.last && Checker::is_extend32(insn, code_[i + 1])) {
      // The pair as one operation; the state recorded between them is the first shift's.
      std::optional<State> shifted;
      if (record) shifted = s;
      if (checker.extend32(s, insn, code_[i + 1])) {
        if (record) {
          checker.step(*shifted, insn, site(n, i));
          record_state(code_[i + 1].slot, node, *shifted);
        }
        ++i;
        continue;
      }
    }
    if (!control) checker.step(s, insn, site(n, i));
    if (extended >= 0 && i == extended_at) {
      if (!s.bottom) {
        s.zone.assign(reg_var(s, extended), saved, 0);
        s.zone.forget(saved);
      }
      extended = -1;
    }
  }
  if (s.bottom) return out;
  const isa::Instruction& last = code_[node.last];
  const Context& context = contexts_[static_cast<std::size_t>(node.context)];
  if (last.info().form == Form::exit) {
    if (context.parent < 0) {
      // A fragment's end (the exit the analysis appended) checks nothing.
      if (!options_.fragment || node.last + 1 < code_.size()) checker.exit_program(s, last);
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
    switch (edge.kind) {
      case EdgeKind::fall: break;
      case EdgeKind::taken:
        if (assumption) continue;
        checker.branch(next, last, true);
        break;
      case EdgeKind::not_taken: checker.branch(next, last, false); break;
      case EdgeKind::call: checker.enter_call(next); break;
      case EdgeKind::ret: checker.return_from_call(next); break;
      case EdgeKind::cb_enter: checker.enter_callback(next, last, edge.entry); break;
      case EdgeKind::cb_return: checker.return_from_callback(next); break;
      case EdgeKind::cb_after: checker.after_callback_helper(next, last); break;
    }
    if (next.bottom) continue;
    counter(node, edge, next);
    out.emplace_back(&edge, std::move(next));
  }
  return out;
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

Result<Report> Analysis::run() {
  if (!program_.type) return make_error("no program type");
  if (auto status = index_program(); !status) return std::move(status).error();
  if (auto status = build_graph(); !status) return std::move(status).error();
  report_.instructions = slots_;
  report_.blocks = nodes_.size();
  for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
    if (nodes_[n].head && !nodes_[n].callback_head && nodes_[n].context == 0)
      report_.loop_counters[code_[nodes_[n].first].slot] = Vars::loop_counter(n);
  }
  auto budget_failure = [&](std::uint32_t pc) {
    Report r = std::move(report_);
    r.errors = {Diagnostic{pc,
                           "analysis budget exceeded at pc " + std::to_string(pc),
                           "steps <= " + std::to_string(options_.max_steps) + " and time <= " +
                               std::to_string(static_cast<int>(options_.max_seconds)) + " s",
                           {}}};
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return r;
  };
  if (budget_exceeded_) return budget_failure(budget_pc_);

  const std::size_t n = nodes_.size();
  std::vector<int> lowest;
  // A failed assertion cuts its path (the state becomes bottom), which makes the transfer
  // non-monotone: narrowing may then leave states that are not inductive (a loop whose later
  // iterations fail looks as if it ran once), and checks on them would prove nothing. The
  // ascending phase ends only on inductive states; when the narrowed ones are not (and no check
  // failed), the analysis runs again without narrowing.
  for (int attempt = 0;; ++attempt) {
    const bool descend = attempt == 0;
    std::vector<State> in(n, State::make_bottom());
    std::vector<std::uint32_t> visits(n, 0);
    Checker quiet(program_, options_, nullptr);
    in[0] = entry();
    // The ascending phase: a worklist in reverse post-order, widening at loop heads.
    std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> work;
    std::vector<bool> queued(n, false);
    auto push = [&](std::uint32_t node) {
      if (!queued[node]) {
        queued[node] = true;
        work.push(nodes_[node].rpo);
      }
    };
    push(0);
    while (!work.empty()) {
      const std::uint32_t node = order_[work.top()];
      work.pop();
      queued[node] = false;
      if (over_budget()) return budget_failure(code_[nodes_[node].first].slot);
      for (auto& [edge, state] : transfer(node, in[node], quiet, false)) {
        State& target = in[edge->to];
        if (target.bottom) {
          target = std::move(state);
          ++visits[edge->to];
          push(edge->to);
          continue;
        }
        if (state.leq(target)) continue;
        target = nodes_[edge->to].head && visits[edge->to] >= 2 ? target.widen(state, thresholds_)
                                                                : target.join(state);
        ++visits[edge->to];
        push(edge->to);
      }
    }
    // The descending phase: passes in reverse post-order (Gauss-Seidel), narrowing at heads.
    // Back edges contribute what the previous pass computed (first: the ascending result).
    std::vector<State> back(n, State::make_bottom());
    for (std::uint32_t node = 0; node < n && descend; ++node) {
      if (nodes_[node].head) back[node] = in[node];
    }
    for (int pass = 0; pass < 3 && descend; ++pass) {
      std::vector<State> forward(n, State::make_bottom());
      std::vector<State> next_back(n, State::make_bottom());
      for (std::uint32_t node : order_) {
        if (over_budget()) return budget_failure(code_[nodes_[node].first].slot);
        State state = node == 0 ? entry().join(back[node]) : forward[node].join(back[node]);
        if (nodes_[node].head) state = in[node].narrow(state);
        in[node] = std::move(state);
        if (in[node].bottom) continue;
        for (auto& [edge, out] : transfer(node, in[node], quiet, false)) {
          State& target = edge->back ? next_back[edge->to] : forward[edge->to];
          target = target.join(out);
        }
      }
      back = std::move(next_back);
    }
    // Checks on the final states.
    lowest.assign(contexts_.size(), kStackBytes);
    Checker checker(program_, options_, &errors_);
    final_pass_ = true;
    bool inductive = true;
    for (std::uint32_t node : order_) {
      if (in[node].bottom) continue;
      checker.reset_stack_use();
      for (auto& [edge, out] : transfer(node, in[node], checker, options_.record_states)) {
        // Other targets joined exactly these states in the last pass: only loop heads, where
        // narrowing met the previous pass's back edges, may have lost some.
        if (descend && inductive && nodes_[edge->to].head && !out.leq(in[edge->to]))
          inductive = false;
      }
      // Attribute each frame's use to the function owning it: the context at that depth.
      for (int c = nodes_[node].context; c >= 0;
           c = contexts_[static_cast<std::size_t>(c)].parent) {
        const auto depth = static_cast<std::size_t>(contexts_[static_cast<std::size_t>(c)].depth);
        auto& low = lowest[static_cast<std::size_t>(c)];
        low = std::min(low, checker.lowest_stack[depth]);
      }
      const Node& h = nodes_[node];
      if (options_.check_termination && h.head && !h.callback_head) {
        // Either twin bounds the iterations: counter <= c, or -down <= c.
        State head = in[node];
        reduce_counters(node, head);
        auto bound = head.zone.upper(Vars::loop_counter(node));
        if (auto down = head.zone.lower(Vars::loop_down(node));
            down && *down <= 0 && (!bound || -*down < *bound))
          bound = -*down;
        if (!head.bottom && (!bound || *bound > detail::kMaxLoopIterations)) {
          if (auto unrolled = unrolled_bound(node, in)) bound = unrolled;
        }
        if (!head.bottom && (!bound || *bound > detail::kMaxLoopIterations)) {
          const std::uint32_t pc = code_[h.first].slot;
          errors_.push_back(Diagnostic{
              pc,
              "the loop at pc " + std::to_string(pc) +
                  " may not terminate: its number of iterations could not be bounded" +
                  (bound ? " below " + std::to_string(detail::kMaxLoopIterations) : ""),
              "loop@" + std::to_string(pc) + " <= " + std::to_string(detail::kMaxLoopIterations),
              in[node].to_string(false)});
        }
      }
    }
    if (inductive || !errors_.empty()) break;
    errors_.clear();
    report_.states.clear();
    recorded_context_.clear();  // the states are recorded afresh
    report_.exit_state = State::make_bottom();
    final_pass_ = false;
  }
  // The combined stack of every call chain (each frame rounded up to 32 bytes, as Linux).
  for (std::size_t c = 1; c < contexts_.size(); ++c) {
    int total = 0;
    // A callback starts a chain of its own (Linux follows bpf-to-bpf calls only).
    for (int k = static_cast<int>(c); k >= 0; k = contexts_[static_cast<std::size_t>(k)].parent) {
      const int used = kStackBytes - lowest[static_cast<std::size_t>(k)];
      total += (std::max(used, 1) + 31) / 32 * 32;
      if (contexts_[static_cast<std::size_t>(k)].callback) break;
    }
    if (total > kStackBytes) {
      graph_error(contexts_[c].call,
                  "the combined stack of this call chain is " + std::to_string(total) +
                      " bytes, more than " + std::to_string(kStackBytes),
                  "combined stack <= 512");
      break;
    }
  }
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

}  // namespace

State entry_state(const progtype::ProgramTypeInfo& type) {
  State s;
  s.stacks.resize(1);
  s.packet_size = Scalar::unsigned_range(0, detail::kMaxPacketSize);
  const bool has_meta = type.type == progtype::ProgramType::xdp ||
                        type.type == progtype::ProgramType::sched_cls ||
                        type.type == progtype::ProgramType::sched_act;
  s.meta_offset = has_meta ? Scalar::signed_range(-4096, 0) : Scalar::constant(0);
  zone_set(s.zone, Vars::packet_size, s.packet_size);
  zone_set(s.zone, Vars::meta_offset, s.meta_offset);
  s.set_reg(1, Reg::pointer(Kind::ctx, 0, Scalar::constant(0)));
  s.set_reg(10, Reg::pointer(Kind::stack, 0, Scalar::constant(kStackBytes)));
  return s;
}

Result<Report> verify(const ProgramView& program, const Options& options) {
  Analysis analysis(program, options);
  return analysis.run();
}

Result<Report> verify(const ProgramView& program, const State& entry, Options options) {
  options.entry = entry;
  return verify(program, options);
}

}  // namespace xbpf::verifier
