// IPv4 with options: the header length comes from the packet (ihl * 4), and the L4 header
// after it is checked against data_end again.
#include "../common.h"

COUNTER_ARRAY(ports, 1);

SEC("xdp")
int parse_ipv4_options(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > data_end) return XDP_DROP;
  __u32 header = ip->ihl * 4;
  if (header < sizeof(*ip)) return XDP_DROP;
  struct udphdr* udp = (void*)ip + header;
  if ((void*)(udp + 1) > data_end) return XDP_DROP;
  if (ip->protocol == IPPROTO_UDP && udp->dest == bpf_htons(53)) bump(&ports, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
