// A 16-bit offset from the packet added to data; only the first 4 bytes are checked.
// EXPECT: read of 1 bytes at r1 + 0 is not proven inside the packet
#include "../common.h"
SEC("xdp")
int packet_unbounded_offset(struct xdp_md* ctx) {
  __u8* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  if ((void*)(data + 4) > data_end) return XDP_DROP;
  __u16 offset = *(__u16*)data;
  if ((void*)(data + 4) > data_end) return XDP_DROP;
  return data[offset] ? XDP_DROP : XDP_PASS;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
