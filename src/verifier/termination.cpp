#include "verifier/termination.h"

#include <algorithm>

namespace xbpf::verifier::detail {
namespace {

// Bounded unrolling of a loop the domains cannot bound: at most this many iterations.
constexpr std::uint32_t kMaxUnrolledIterations = 64;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

}  // namespace

void update_counters(const Cfg& cfg, const Node& from, const Edge& edge, State& s, bool keep) {
  if (s.bottom) return;
  if (const auto i = static_cast<std::size_t>(&edge - from.out.data());
      !keep && i < from.exits.size()) {
    for (std::uint32_t head : from.exits[i]) {
      s.zone.forget(Vars::loop_counter(head));
      s.zone.forget(Vars::loop_down(head));
      for (int k = 0; k < Vars::kMaxStrides; ++k) {
        if (cfg.node(head).strides[static_cast<std::size_t>(k)] != 0)
          s.zone.forget(Vars::loop_scaled(head, k));
      }
    }
  }
  const Node& to = cfg.node(edge.to);
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

// Both start at 0 and move together on back edges; the zone keeps neither the product nor,
// after widening, their bounds. `i <= 255` with `i - 16 * counter == 0` bounds the counter by
// 15, which in turn bounds i by 240.
void reduce_counters(const Cfg& cfg, std::uint32_t head, State& s) {
  const Node& node = cfg.node(head);
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

std::optional<std::int64_t> counter_bound(const Cfg& cfg, std::uint32_t head, State s) {
  reduce_counters(cfg, head, s);
  if (s.bottom) return 0;
  // Either twin bounds the iterations: counter <= c, or -down <= c.
  auto bound = s.zone.upper(Vars::loop_counter(head));
  if (auto down = s.zone.lower(Vars::loop_down(head));
      down && *down <= 0 && (!bound || -*down < *bound))
    bound = -*down;
  return bound;
}

// A loop may stop after a few iterations for reasons of value that no relation with its counter
// states (`while (x >> 16) x = (x & 0xffff) + (x >> 16)`). Its body (acyclic but for the back
// edges to the head) runs from the states entering the loop, one iteration at a time, without
// joining iterations: the states of iteration k include every concrete state after k
// iterations, so when none returns to the head the loop runs at most k times. Only a proof of
// termination: the fixpoint's states (widened) remain what the checks use.
std::optional<std::int64_t> bounded_by_unrolling(const Cfg& cfg, std::uint32_t head, State entering,
                                                 const Transfer& transfer,
                                                 const std::function<bool()>& over_budget) {
  const std::vector<std::uint32_t>& body = cfg.node(head).body;
  if (body.empty() || body.front() != head) return std::nullopt;
  std::vector<State> states(body.size());
  for (std::uint32_t k = 0; k <= kMaxUnrolledIterations; ++k) {
    if (entering.bottom) return k == 0 ? 0 : std::int64_t{k} - 1;
    std::fill(states.begin(), states.end(), State::make_bottom());
    states[0] = std::move(entering);
    entering = State::make_bottom();
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (states[i].bottom) continue;
      if (over_budget()) return std::nullopt;
      for (auto& [edge, out] : transfer(body[i], states[i])) {
        const auto j = cfg.position_in(body, edge->to);
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

}  // namespace xbpf::verifier::detail
