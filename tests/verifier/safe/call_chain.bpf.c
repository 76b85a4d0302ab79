// Calls four deep, each frame with its own stack.
#include "../common.h"

static __attribute__((noinline)) __u32 level4(__u32 x) {
  volatile __u32 local[4] = {x, x + 1, x + 2, x + 3};
  return local[0] + local[3];
}
static __attribute__((noinline)) __u32 level3(__u32 x) { return level4(x + 1) * 2; }
static __attribute__((noinline)) __u32 level2(__u32 x) { return level3(x ^ 5) + 1; }
static __attribute__((noinline)) __u32 level1(__u32 x) { return level2(x) | 1; }

SEC("xdp")
int call_chain(struct xdp_md* ctx) {
  return level1(ctx->ingress_ifindex) & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
