// bpf_skb_load_bytes takes an __sk_buff: XDP programs may not call it.
// EXPECT: bpf_skb_load_bytes (helper 26) may not be called by xdp programs
#include "../common.h"
SEC("xdp")
int helper_not_allowed_xdp(struct xdp_md* ctx) {
  __u8 byte = 0;
  bpf_skb_load_bytes(ctx, 0, &byte, 1);  // <- error
  return byte ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
