#include "verifier/cfg.h"

#include <algorithm>

#include "verifier/checker.h"

namespace xbpf::verifier::detail {
namespace {

using isa::Form;

// How far before a comparison of two registers constants moved into them become thresholds.
constexpr std::uint32_t kConstantLookBack = 16;
// Steps beyond this do not get a scaled counter (a loop of such steps has few iterations).
constexpr std::int64_t kMaxStride = 1 << 16;
// Loop bodies of at most this many blocks are kept for bounded unrolling (termination.cpp).
constexpr std::size_t kMaxUnrolledBody = 64;

bool is_code_addr(const isa::Instruction& insn) {
  return insn.info().form == Form::lddw && insn.info().sem == isa::Sem::code_addr;
}

}  // namespace

Cfg::Cfg(std::span<const isa::Instruction> code, bool fragment) : code_(code) {
  if (fragment && !code_.empty()) {
    fragment_code_.assign(code_.begin(), code_.end());
    fragment_code_.push_back(isa::make(isa::Op::exit));
    fragment_code_.back().slot = isa::slot_count(code_);
    code_ = fragment_code_;
  }
}

void Cfg::error(std::uint32_t index, AssertionKind kind, std::string message,
                std::string assertion) {
  errors_.push_back(
      Diagnostic{code_[index].slot, kind, std::move(message), std::move(assertion), {}, {}});
}

std::optional<std::size_t> Cfg::position_in(const std::vector<std::uint32_t>& body,
                                            std::uint32_t n) const {
  auto it = std::lower_bound(body.begin(), body.end(), n, [&](std::uint32_t a, std::uint32_t b) {
    return nodes_[a].rpo < nodes_[b].rpo;
  });
  if (it == body.end() || *it != n) return std::nullopt;
  return static_cast<std::size_t>(it - body.begin());
}

void Cfg::collect_thresholds(std::uint32_t i, std::set<std::int64_t>& thresholds) const {
  const isa::Instruction& insn = code_[i];
  const isa::OpInfo& info = insn.info();
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
}

Status Cfg::index_program() {
  if (code_.empty()) return make_error("the program is empty");
  if (auto status = isa::validate(code_); !status) return status;
  slots_ = isa::slot_count(code_);
  for (std::uint32_t i = 0; i < code_.size(); ++i) index_of_slot_[code_[i].slot] = i;
  leader_.assign(code_.size() + 1, false);
  leader_[0] = true;
  entries_.insert(0);
  std::set<std::int64_t> thresholds = {0, 1, kStackBytes, kMaxPacketSize};
  for (std::uint32_t i = 0; i < code_.size(); ++i) {
    const isa::Instruction& insn = code_[i];
    const isa::OpInfo& info = insn.info();
    if (isa::is_branch(info.form)) {
      leader_[target_index(insn)] = true;
      leader_[i + 1] = true;
    }
    collect_thresholds(i, thresholds);
    if (info.form == Form::exit) leader_[i + 1] = true;
    if (info.form == Form::call_local) {
      const std::uint32_t t = target_index(insn);
      leader_[t] = true;
      entries_.insert(t);
      leader_[i + 1] = true;
    }
    if (info.form == Form::call_helper && Checker::takes_callback(insn.imm)) {
      leader_[i] = true;
      leader_[i + 1] = true;
    }
    if (is_code_addr(insn)) {
      const std::int64_t slot = std::int64_t{insn.slot} + 1 + insn.imm;
      auto it = index_of_slot_.find(static_cast<std::uint32_t>(slot));
      if (slot < 0 || it == index_of_slot_.end()) {
        return make_error("lddw code_addr at pc " + std::to_string(insn.slot) +
                          " points outside the program or into an lddw");
      }
    }
  }
  index_callbacks();
  backward_target_.assign(code_.size() + 1, false);
  for (std::uint32_t i = 0; i < code_.size(); ++i) {
    if (!isa::is_branch(code_[i].info().form)) continue;
    const std::uint32_t t = target_index(code_[i]);
    if (t <= i) backward_target_[t] = true;
  }
  block_end_.assign(code_.size(), 0);
  for (std::uint32_t i = static_cast<std::uint32_t>(code_.size()); i-- > 0;) {
    block_end_[i] = leader_[i + 1] || i + 1 == code_.size() ? i : block_end_[i + 1];
  }
  thresholds_.assign(thresholds.begin(), thresholds.end());
  return {};
}

// Callbacks: the code_addr targets of each function (every one of the program when the
// calling function has none). Each target is a function entry.
void Cfg::index_callbacks() {
  auto code_addr_target = [&](const isa::Instruction& insn) {
    return index_of_slot_.at(static_cast<std::uint32_t>(insn.slot + 1 + insn.imm));
  };
  std::vector<std::uint32_t> all_targets;
  for (const isa::Instruction& insn : code_) {
    if (!is_code_addr(insn)) continue;
    const std::uint32_t t = code_addr_target(insn);
    entries_.insert(t);
    leader_[t] = true;
  }
  for (std::uint32_t i = 0; i < code_.size(); ++i) {
    if (!is_code_addr(code_[i])) continue;
    const std::uint32_t t = code_addr_target(code_[i]);
    const std::uint32_t function = *std::prev(entries_.upper_bound(i));
    auto& list = callbacks_[function];
    if (std::find(list.begin(), list.end(), t) == list.end()) list.push_back(t);
    if (std::find(all_targets.begin(), all_targets.end(), t) == all_targets.end())
      all_targets.push_back(t);
  }
  for (std::uint32_t e : entries_) {
    if (!callbacks_.count(e)) callbacks_[e] = all_targets;
  }
}

int Cfg::context_for(int parent, std::uint32_t call, std::uint32_t entry, bool callback) {
  auto key = std::make_tuple(parent, call, entry);
  if (auto it = context_ids_.find(key); it != context_ids_.end()) return it->second;
  const Context& p = contexts_[static_cast<std::size_t>(parent)];
  if (p.depth + 1 >= kMaxFrames) {
    error(call, AssertionKind::call_depth,
          "too many call stack frames: this call would be frame " + std::to_string(p.depth + 2) +
              " (at most " + std::to_string(kMaxFrames) + ")",
          "call depth <= 8");
    return -1;
  }
  for (int c = parent; c >= 0; c = contexts_[static_cast<std::size_t>(c)].parent) {
    if (contexts_[static_cast<std::size_t>(c)].entry == entry) {
      error(call, AssertionKind::call_depth,
            "recursive call to the function at pc " + std::to_string(code_[entry].slot),
            "no recursion");
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
std::optional<std::uint32_t> Cfg::select_join(std::uint32_t first, std::uint32_t last) const {
  if (first == 0) return std::nullopt;
  const isa::Instruction& jump = code_[first - 1];
  const Form jf = jump.info().form;
  if (jf != Form::cond_imm && jf != Form::cond_reg) return std::nullopt;
  const std::uint32_t join = target_index(jump);
  if (join <= last || backward_target_[join]) return std::nullopt;
  std::uint32_t end = last;
  const Form lf = code_[last].info().form;
  if (lf == Form::jump) {
    if (target_index(code_[last]) != join) return std::nullopt;
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

std::uint32_t Cfg::node_for(int context, std::uint32_t leader, bool second) {
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

void Cfg::add_callbacks(std::uint32_t n, std::vector<Edge>& out) {
  const int ctx = nodes_[n].context;
  const std::uint32_t last = nodes_[n].last;
  const std::uint32_t function = *std::prev(entries_.upper_bound(last));
  for (std::uint32_t entry : callbacks_[function]) {
    const int callee = context_for(ctx, last, entry, true);
    if (callee >= 0)
      out.push_back(Edge{node_for(callee, entry), EdgeKind::cb_enter, false, code_[entry].slot});
  }
}

void Cfg::add_successors(std::uint32_t n) {
  const int ctx = nodes_[n].context;
  const std::uint32_t last = nodes_[n].last;
  const isa::Instruction& insn = code_[last];
  std::vector<Edge> out;
  auto next = [&](EdgeKind kind) {
    if (last + 1 >= code_.size()) {
      error(last, AssertionKind::control_flow, "the program falls off its end",
            "last instruction is exit or ja");
      return;
    }
    out.push_back(Edge{node_for(ctx, last + 1), kind});
  };
  const Context context = contexts_[static_cast<std::size_t>(ctx)];
  switch (insn.info().form) {
    case Form::jump:
    case Form::jump_long: {
      const std::uint32_t target = target_index(insn);
      out.push_back(Edge{node_for(ctx, target, select_join(nodes_[n].first, last) == target),
                         EdgeKind::fall});
      break;
    }
    case Form::cond_imm:
    case Form::cond_reg:
      out.push_back(Edge{node_for(ctx, target_index(insn)), EdgeKind::taken});
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
      const std::uint32_t entry = target_index(insn);
      const int callee = context_for(ctx, last, entry, false);
      if (callee >= 0) out.push_back(Edge{node_for(callee, entry), EdgeKind::call});
      break;
    }
    default:
      if (nodes_[n].callback_head) {
        add_callbacks(n, out);
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

Status Cfg::build() {
  if (auto status = index_program(); !status) return status;
  return discover();
}

// Iterative depth-first search: discovers the nodes, marks back edges, orders them.
Status Cfg::discover() {
  contexts_.push_back(Context{});
  node_for(0, 0);
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
        if (nodes_.size() > kMaxNodes) {
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

// Constant steps of registers in a loop's body (`r += 8`): the strides of scaled counters.
void Cfg::find_strides(std::uint32_t head, const std::vector<std::uint32_t>& body) {
  std::size_t strides = 0;
  auto& list = nodes_[head].strides;
  for (std::uint32_t u : body) {
    for (std::uint32_t i = nodes_[u].first; i <= nodes_[u].last; ++i) {
      const isa::Instruction& insn = code_[i];
      const isa::OpInfo& info = insn.info();
      if (info.form != Form::alu_imm || (info.sem != isa::Sem::add && info.sem != isa::Sem::sub))
        continue;
      const std::int64_t step = info.sem == isa::Sem::add ? insn.imm : -std::int64_t{insn.imm};
      if (step >= -1 && step <= 1) continue;
      if (step < -kMaxStride || step > kMaxStride) continue;
      const auto end = list.begin() + static_cast<std::ptrdiff_t>(strides);
      if (std::find(list.begin(), end, step) == end && strides < list.size())
        list[strides++] = step;
    }
  }
}

// The body of each loop is its head and every node that reaches one of its back edges without
// passing the head; an edge from the body to outside it leaves the loop. Its counter is then
// forgotten: the difference-bound matrix keeps only the counters of live loops, and its
// operations are quadratic in its variables, so N loops in sequence cost O(N), not O(N^3).
// (Forgetting only loses information: a body found too small could only fail a termination
// proof, never accept more.)
void Cfg::mark_loop_exits() {
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
    find_strides(head, body);
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

}  // namespace xbpf::verifier::detail
