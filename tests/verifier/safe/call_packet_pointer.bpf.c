// A subprogram receives packet pointers and checks the bounds itself.
#include "../common.h"

static __attribute__((noinline)) int is_ipv4(void* data, void* data_end) {
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return 0;
  return eth->h_proto == bpf_htons(ETH_P_IP);
}

SEC("xdp")
int call_packet_pointer(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  return is_ipv4(data, data_end) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
