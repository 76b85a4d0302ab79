// Sums the first 100 bytes of the packet, each byte checked against data_end.
#include "../common.h"

SEC("xdp")
int loop_bytes_100(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  __u32 sum = 0;
  for (int i = 0; i < 100; i++) {
    __u8* byte = data + i;
    if ((void*)(byte + 1) > data_end) break;
    sum += *byte;
  }
  return sum & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
