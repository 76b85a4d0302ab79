// Signed comparisons: a value in [0, 31] after two signed checks indexes a stack array.
#include "../common.h"

SEC("xdp")
int signed_bounds(struct xdp_md* ctx) {
  volatile __u8 table[32] = {};
  int i = (int)bpf_get_prandom_u32();
  if (i < 0 || i > 31) return XDP_PASS;
  table[i] = 1;
  return table[0] ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
