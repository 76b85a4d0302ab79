// Walks TLV options (type, length) in the packet: at most 40 of them.
#include "../common.h"

SEC("xdp")
int loop_while_cursor(struct xdp_md* ctx) {
  __u8* cursor = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  for (int n = 0; n < 40; n++) {
    if ((void*)(cursor + 2) > data_end) break;
    if (cursor[0] == 0) return XDP_DROP;
    cursor += 2 + (cursor[1] & 0x0f);
  }
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
