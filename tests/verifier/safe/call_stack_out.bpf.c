// A subprogram writes its result through a pointer into the caller's stack frame.
#include "../common.h"

struct pair {
  __u32 first, second;
};

static __attribute__((noinline)) int fill(struct pair* out, __u32 seed) {
  out->first = seed * 3;
  out->second = seed + 7;
  return seed == 12345;
}

SEC("xdp")
int call_stack_out(struct xdp_md* ctx) {
  struct pair p;
  if (fill(&p, ctx->rx_queue_index)) return XDP_ABORTED;
  return (p.first + p.second) & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
