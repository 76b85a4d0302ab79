// bpf_tail_call through a program array; falls through when the slot is empty.
#include "../common.h"

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} jumps SEC(".maps");

SEC("xdp")
int tail_call(struct xdp_md* ctx) {
  bpf_tail_call(ctx, &jumps, ctx->rx_queue_index & 3);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
