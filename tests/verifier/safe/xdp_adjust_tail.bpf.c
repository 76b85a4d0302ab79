// Truncates the packet to 64 bytes, then reads its last byte.
#include "../common.h"

SEC("xdp")
int xdp_adjust_tail(struct xdp_md* ctx) {
  __u32 length = ctx->data_end - ctx->data;
  if (length > 64 && bpf_xdp_adjust_tail(ctx, 64 - (int)length)) return XDP_DROP;
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  if (data + 64 > data_end) return XDP_PASS;
  __u8* last = data + 63;
  return *last ? XDP_PASS : XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
