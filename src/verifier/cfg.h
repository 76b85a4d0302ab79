// Internal to the verifier: the control-flow graph the fixpoint runs on. Its nodes are basic
// blocks in a call context: local calls are inlined (each call site gets a context of its own,
// as in PREVAIL), and callbacks of bpf_loop and bpf_for_each_map_elem are loops around the
// helper call. The graph is discovered depth first from the entry, which marks back edges
// (their targets are loop heads) and gives the reverse post-order the fixpoint follows.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "isa/instruction.h"
#include "support/error.h"
#include "verifier/state.h"
#include "verifier/verifier.h"

namespace xbpf::verifier::detail {

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

// A function's activation: the entry function (context 0), or a callee or callback reached
// from `call` in its parent.
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

// Nodes beyond this many make the analysis fail with "analysis budget exceeded".
inline constexpr std::size_t kMaxNodes = 4'000'000;

class Cfg {
 public:
  // `code` must outlive the graph. A fragment (the YAML cases) gets an exit appended: falling
  // off its end (or jumping there) leaves it.
  Cfg(std::span<const isa::Instruction> code, bool fragment);

  // Indexes the program and discovers the graph. An error only for code that cannot be
  // analysed at all; problems of the program's shape (recursion, too many frames, falling off
  // the end) are diagnostics (errors()).
  Status build();

  [[nodiscard]] std::span<const isa::Instruction> code() const { return code_; }
  [[nodiscard]] std::uint32_t slots() const { return slots_; }
  [[nodiscard]] const std::vector<Node>& nodes() const { return nodes_; }
  [[nodiscard]] const Node& node(std::uint32_t n) const { return nodes_[n]; }
  [[nodiscard]] const std::vector<Context>& contexts() const { return contexts_; }
  [[nodiscard]] const Context& context(int c) const {
    return contexts_[static_cast<std::size_t>(c)];
  }
  [[nodiscard]] const std::vector<std::uint32_t>& order() const { return order_; }  // RPO
  // Widening thresholds: the constants the program compares with, masks, limits.
  [[nodiscard]] const std::vector<std::int64_t>& thresholds() const { return thresholds_; }
  [[nodiscard]] std::vector<Diagnostic>& errors() { return errors_; }
  // The graph grew past kMaxNodes while discovered at pc budget_pc().
  [[nodiscard]] bool budget_exceeded() const { return budget_exceeded_; }
  [[nodiscard]] std::uint32_t budget_pc() const { return budget_pc_; }
  // The identity of instruction `index` of node `n` in its call context (nullable pointers and
  // references made there are named by it).
  [[nodiscard]] std::uint32_t site(std::uint32_t n, std::uint32_t index) const {
    return static_cast<std::uint32_t>(nodes_[n].context) * slots_ + code_[index].slot + 1;
  }
  [[nodiscard]] std::uint32_t index_of_slot(std::uint32_t slot) const {
    return index_of_slot_.at(slot);
  }
  // The index of the position of `n` in a body (sorted in reverse post-order), if it is there.
  [[nodiscard]] std::optional<std::size_t> position_in(const std::vector<std::uint32_t>& body,
                                                       std::uint32_t n) const;
  // Records a diagnostic about the graph at instruction `index`.
  void error(std::uint32_t index, AssertionKind kind, std::string message, std::string assertion);

 private:
  Status index_program();
  void collect_thresholds(std::uint32_t i, std::set<std::int64_t>& thresholds) const;
  void index_callbacks();
  Status discover();
  void mark_loop_exits();
  void find_strides(std::uint32_t head, const std::vector<std::uint32_t>& body);
  std::uint32_t node_for(int context, std::uint32_t leader, bool second = false);
  std::optional<std::uint32_t> select_join(std::uint32_t first, std::uint32_t last) const;
  void add_successors(std::uint32_t n);
  void add_callbacks(std::uint32_t n, std::vector<Edge>& out);
  int context_for(int parent, std::uint32_t call, std::uint32_t entry, bool callback);
  [[nodiscard]] std::uint32_t target_index(const isa::Instruction& insn) const {
    return index_of_slot_.at(static_cast<std::uint32_t>(insn.target()));
  }

  std::span<const isa::Instruction> code_;
  std::vector<isa::Instruction> fragment_code_;  // a fragment's code and the exit appended
  std::uint32_t slots_ = 0;
  std::unordered_map<std::uint32_t, std::uint32_t> index_of_slot_;
  std::vector<bool> leader_;
  std::vector<std::uint32_t> block_end_;  // by leader index: last index of its block
  std::vector<bool> backward_target_;     // targets of jumps to themselves or backwards
  std::set<std::uint32_t> entries_;       // function entries (instruction indexes)
  // Function entry -> the code_addr targets it may pass as callbacks.
  std::map<std::uint32_t, std::vector<std::uint32_t>> callbacks_;
  std::vector<Context> contexts_;
  std::map<std::tuple<int, std::uint32_t, std::uint32_t>, int> context_ids_;
  std::vector<Node> nodes_;
  std::unordered_map<std::uint64_t, std::uint32_t> node_ids_;
  std::vector<std::uint32_t> order_;
  std::vector<std::int64_t> thresholds_;
  std::vector<Diagnostic> errors_;
  std::uint32_t budget_pc_ = 0;
  bool budget_exceeded_ = false;
};

}  // namespace xbpf::verifier::detail
