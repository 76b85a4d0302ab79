// Ethernet with up to two VLAN tags (802.1Q and 802.1ad).
#include "../common.h"

COUNTER_ARRAY(counters, 4);

SEC("xdp")
int parse_vlan(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  void* cursor = eth + 1;
  __u16 proto = eth->h_proto;
#pragma unroll
  for (int i = 0; i < 2; i++) {
    if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD)) break;
    struct vlan_hdr* vlan = cursor;
    if ((void*)(vlan + 1) > data_end) return XDP_DROP;
    proto = vlan->encapsulated_proto;
    cursor = vlan + 1;
    bump(&counters, 1);
  }
  if (proto == bpf_htons(ETH_P_IP)) bump(&counters, 2);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
