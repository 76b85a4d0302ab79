// Pops an outer Ethernet header with bpf_xdp_adjust_head; the packet pointers are loaded again
// from the context afterwards.
#include "../common.h"

SEC("xdp")
int xdp_adjust_head(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_PASS;
  if (eth->h_proto != bpf_htons(0x88b5)) return XDP_PASS;
  if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct ethhdr))) return XDP_DROP;
  data = (void*)(long)ctx->data;
  data_end = (void*)(long)ctx->data_end;
  eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  return eth->h_proto == bpf_htons(ETH_P_IP) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
