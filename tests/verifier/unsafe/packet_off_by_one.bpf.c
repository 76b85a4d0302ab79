// Checks 14 bytes of Ethernet header, then reads byte 14.
// EXPECT: read of 1 bytes at r2 + 0 is not proven inside the packet
#include "../common.h"
SEC("xdp")
int packet_off_by_one(struct xdp_md* ctx) {
  __u8* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  if ((void*)(data + 14) > data_end) return XDP_DROP;
  return data[14] ? XDP_DROP : XDP_PASS;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
