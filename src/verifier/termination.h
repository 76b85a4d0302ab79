// Internal to the verifier: the proof that loops terminate. Each loop head has an iteration
// counter in the zone (Vars::loop_counter, 0 on entering the loop, +1 per back edge), a twin
// counting down (so that either kind of difference constraint bounds it) and up to
// Vars::kMaxStrides scaled counters (the counter times a constant step of the body). A loop
// terminates when the fixpoint's state at its head bounds the counter; loops bounded by values
// no relation states are unrolled (bounded_by_unrolling).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "verifier/cfg.h"
#include "verifier/state.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

// The counters along `edge` (from `from`): set to 0 entering a loop, moved on its back edges,
// forgotten on the edges that leave it (unless `keep`).
void update_counters(const Cfg& cfg, const Node& from, const Edge& edge, State& s, bool keep);

// At a loop head, scaled = stride * counter holds in every execution; each one's bounds give
// the other's.
void reduce_counters(const Cfg& cfg, std::uint32_t head, State& s);

// The bound the state at loop head `head` gives its iteration count (nullopt: none).
std::optional<std::int64_t> counter_bound(const Cfg& cfg, std::uint32_t head, State s);

// The successors of a node with their states (the fixpoint's transfer, without checks).
using Transfer =
    std::function<std::vector<std::pair<const Edge*, State>>(std::uint32_t node, const State& in)>;

// The iterations of loop `head` when its body runs one iteration at a time from `entering`
// (the join of the states on the edges into the head that are not back edges), up to a small
// limit; nullopt when they are more, the body has inner loops or `over_budget` says stop.
std::optional<std::int64_t> bounded_by_unrolling(const Cfg& cfg, std::uint32_t head, State entering,
                                                 const Transfer& transfer,
                                                 const std::function<bool()>& over_budget);

}  // namespace xbpf::verifier::detail
