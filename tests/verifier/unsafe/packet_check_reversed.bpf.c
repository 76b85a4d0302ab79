// The bounds check is the wrong way round: the read happens on the short-packet path.
// EXPECT: read of 1 bytes at r1 + 19 is not proven inside the packet
#include "../common.h"
SEC("xdp")
int packet_check_reversed(struct xdp_md* ctx) {
  __u8* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  if ((void*)(data + 20) <= data_end) return XDP_PASS;
  return data[19] ? XDP_DROP : XDP_PASS;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
