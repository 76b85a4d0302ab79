// Ethernet header: bounds-checked, then the EtherType decides.
#include "../common.h"

COUNTER_ARRAY(counters, 4);

SEC("xdp")
int parse_eth(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) bump(&counters, 0);
  else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) bump(&counters, 1);
  else bump(&counters, 2);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
