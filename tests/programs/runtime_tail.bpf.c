// Tail calls through a program array whose slots the object initialises (__array(values)):
// a program that tail-calls itself until Linux's limit of 33 tail calls stops the chain (34
// runs in all), a chain of stages, calls to an empty slot and past max_entries (both fall
// through), and a tail call from a subprogram (the target's return value goes back to the
// subprogram's caller). Slots: enum tail_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

__u32 self_runs;
__u32 chain;
__u32 sub_target_runs;

int tail_self(struct xdp_md *ctx);
int stage1(struct xdp_md *ctx);
int stage2(struct xdp_md *ctx);
int stage3(struct xdp_md *ctx);
int sub_target(struct xdp_md *ctx);

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 8);
  __uint(key_size, sizeof(__u32));
  __array(values, int(struct xdp_md *));
} jumps SEC(".maps") = {
    .values =
        {
            [0] = (void *)&tail_self,
            [1] = (void *)&stage1,
            [2] = (void *)&stage2,
            [3] = (void *)&stage3,
            [6] = (void *)&sub_target,
        },
};

// Runs 1 + 33 times: the 34th run's tail call fails and it reports the count (and resets it
// for the next test run).
SEC("xdp")
int tail_self(struct xdp_md *ctx) {
  self_runs++;
  bpf_tail_call(ctx, &jumps, 0);
  struct results r = {};
  r.v[TAIL_SELF_RUNS] = self_runs;
  self_runs = 0;
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_PASS : XDP_ABORTED;
}

SEC("xdp")
int tail_chain(struct xdp_md *ctx) {
  chain = 0;
  bpf_tail_call(ctx, &jumps, 1);
  return XDP_ABORTED;
}

SEC("xdp")
int stage1(struct xdp_md *ctx) {
  chain = chain * 10 + 1;
  bpf_tail_call(ctx, &jumps, 2);
  return XDP_ABORTED;
}

SEC("xdp")
int stage2(struct xdp_md *ctx) {
  chain = chain * 10 + 2;
  bpf_tail_call(ctx, &jumps, 3);
  return XDP_ABORTED;
}

SEC("xdp")
int stage3(struct xdp_md *ctx) {
  struct results r = {};
  chain = chain * 10 + 3;
  r.v[TAIL_CHAIN] = chain;
  bpf_tail_call(ctx, &jumps, 5);  // an empty slot
  r.v[TAIL_EMPTY_SLOT] = 1;
  bpf_tail_call(ctx, &jumps, 100);  // past max_entries
  r.v[TAIL_OUT_OF_RANGE] = 1;
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_TX : XDP_ABORTED;
}

SEC("xdp")
int sub_target(struct xdp_md *ctx) {
  sub_target_runs++;
  return 7;
}

static __noinline int jump(struct xdp_md *ctx, __u32 slot) {
  bpf_tail_call(ctx, &jumps, slot);
  // Opaque, or clang would propagate the constant to the callers, which then ignore r0.
  int fallback = -1;
  asm volatile("" : "+r"(fallback));
  return fallback;
}

SEC("xdp")
int tail_from_sub(struct xdp_md *ctx) {
  struct results r = {};
  sub_target_runs = 0;
  r.v[TAIL_FROM_SUB] = jump(ctx, 6) * 100 + sub_target_runs;
  r.v[TAIL_FROM_SUB_EMPTY] = jump(ctx, 7);
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
