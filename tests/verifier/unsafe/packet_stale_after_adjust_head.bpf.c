// A packet pointer from before bpf_xdp_adjust_head is used after it.
// EXPECT: r7 is read before it is initialised
#include "../common.h"
SEC("xdp")
int packet_stale_after_adjust_head(struct xdp_md* ctx) {
  __u8* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  if ((void*)(data + 14) > data_end) return XDP_DROP;
  if (bpf_xdp_adjust_head(ctx, 14)) return XDP_DROP;
  return data[0] ? XDP_DROP : XDP_PASS;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
