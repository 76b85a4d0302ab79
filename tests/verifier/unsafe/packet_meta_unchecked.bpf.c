// Reads data_meta without comparing it against data.
// EXPECT: read of 4 bytes at r1 + 0 is not proven inside the packet
#include "../common.h"
SEC("xdp")
int packet_meta_unchecked(struct xdp_md* ctx) {
  __u32* meta = (void*)(long)ctx->data_meta;
  return *meta == 7 ? XDP_DROP : XDP_PASS;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
