// Ethernet, IPv4 and TCP: drops SYN packets to port 23.
#include "../common.h"

SEC("xdp")
int parse_tcp_flags(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > data_end) return XDP_DROP;
  if (ip->protocol != IPPROTO_TCP || ip->ihl != 5) return XDP_PASS;
  struct tcphdr* tcp = (void*)(ip + 1);
  if ((void*)(tcp + 1) > data_end) return XDP_DROP;
  if (tcp->syn && !tcp->ack && tcp->dest == bpf_htons(23)) return XDP_DROP;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
