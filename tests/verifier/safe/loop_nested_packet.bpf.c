// Nested loops over the packet: 8 blocks of 8 bytes, every byte bounds-checked.
#include "../common.h"

SEC("xdp")
int loop_nested_packet(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  __u32 sum = 0;
  for (__u32 block = 0; block < 8; block++) {
    for (__u32 i = 0; i < 8; i++) {
      __u8* byte = data + block * 8 + i;
      if ((void*)(byte + 1) > data_end) return XDP_PASS;
      sum += *byte;
    }
  }
  return sum ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
