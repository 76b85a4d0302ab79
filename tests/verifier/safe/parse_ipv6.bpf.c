// IPv6 fixed header: addresses compared word by word.
#include "../common.h"

COUNTER_ARRAY(counters, 2);

SEC("xdp")
int parse_ipv6(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  if (eth->h_proto != bpf_htons(ETH_P_IPV6)) return XDP_PASS;
  struct ipv6hdr* ip6 = (void*)(eth + 1);
  if ((void*)(ip6 + 1) > data_end) return XDP_DROP;
  if (ip6->hop_limit <= 1) return XDP_DROP;
  if (ip6->daddr.in6_u.u6_addr32[0] == bpf_htonl(0xff020000)) bump(&counters, 0);
  if (ip6->nexthdr == IPPROTO_TCP) bump(&counters, 1);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
