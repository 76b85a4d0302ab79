// XORs up to 1,000 packet bytes through a cursor that advances by one.
#include "../common.h"

SEC("xdp")
int loop_bytes_1000(struct xdp_md* ctx) {
  __u8* cursor = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  __u8 hash = 0;
  for (int i = 0; i < 1000; i++) {
    if ((void*)(cursor + 1) > data_end) break;
    hash ^= *cursor;
    cursor++;
  }
  return hash == 0x5a ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
