// A branch over a long straight-line block. At -mcpu=v4 the block is long enough (about 17,000
// instructions) that LLVM, which estimates conservatively, relaxes the branch into a `gotol`
// (JMP32|JA with a 32-bit offset in imm). The older CPUs get a short block.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#if XBPF_MCPU >= 4
#define ROUNDS 2800
#else
#define ROUNDS 64
#endif

__u64 accumulators[4];

SEC("xdp")
int xdp_long_jump(struct xdp_md* ctx) {
  __u64 x = ctx->rx_queue_index;
  if (ctx->ingress_ifindex == 7) {
#pragma clang loop unroll(full)
    for (int i = 0; i < ROUNDS; i++) {
      x = x * 31 + (x >> 7) + i;
      accumulators[i & 3] += x;
    }
  }
  return x & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
