// data_meta: room reserved with bpf_xdp_adjust_meta, written, checked against data.
#include "../common.h"

SEC("xdp")
int xdp_meta(struct xdp_md* ctx) {
  if (bpf_xdp_adjust_meta(ctx, -4)) return XDP_PASS;
  void* data = (void*)(long)ctx->data;
  void* meta = (void*)(long)ctx->data_meta;
  __u32* mark = meta;
  if ((void*)(mark + 1) > data) return XDP_PASS;
  *mark = 42;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
