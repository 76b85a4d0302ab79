// A bpf-to-bpf call with scalar arguments.
#include "../common.h"

static __attribute__((noinline)) __u32 mix(__u32 a, __u32 b) {
  return (a * 31 + b) ^ (a >> 3);
}

SEC("xdp")
int call_simple(struct xdp_md* ctx) {
  __u32 h = mix(ctx->ingress_ifindex, ctx->rx_queue_index);
  return h & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
