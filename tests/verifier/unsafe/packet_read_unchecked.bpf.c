// Reads the first packet byte without comparing against data_end.
// EXPECT: read of 1 bytes at r1 + 0 is not proven inside the packet
#include "../common.h"
SEC("xdp")
int packet_read_unchecked(struct xdp_md* ctx) {
  __u8* data = (void*)(long)ctx->data;
  return data[0] == 1 ? XDP_DROP : XDP_PASS;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
