// A bpf_loop callback must return 0 or 1.
// EXPECT: a callback must return 0 or 1
#include "../common.h"
static int step(__u32 index, void* data) { return 2; }

SEC("xdp")
int callback_return_range(struct xdp_md* ctx) {
  bpf_loop(10, step, NULL, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
