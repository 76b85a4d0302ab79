// A variable packet offset (from a header field, masked) checked against data_end.
#include "../common.h"

SEC("xdp")
int packet_variable_offset(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  if (data + 1 > data_end) return XDP_DROP;
  __u32 skip = *(__u8*)data & 0x3f;
  __u8* field = data + skip;
  if ((void*)(field + 4) > data_end) return XDP_DROP;
  return field[3] == 0 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
