// bpf_loop with a callback that updates a context struct on the caller's stack.
#include "../common.h"

struct loop_ctx {
  __u64 sum;
  __u32 limit;
};

static int step(__u32 index, void* data) {
  struct loop_ctx* c = data;
  c->sum += index;
  return index >= c->limit;
}

SEC("xdp")
int callback_bpf_loop(struct xdp_md* ctx) {
  struct loop_ctx c = {.sum = 0, .limit = 500};
  bpf_loop(1000, step, &c, 0);
  return c.sum > 1000 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
