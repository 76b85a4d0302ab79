// IPv6 extension headers: hop-by-hop, routing, destination options and fragment headers are
// skipped (at most six), then UDP.
#include "../common.h"

COUNTER_ARRAY(counters, 2);

SEC("xdp")
int parse_ipv6_ext(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  if (eth->h_proto != bpf_htons(ETH_P_IPV6)) return XDP_PASS;
  struct ipv6hdr* ip6 = (void*)(eth + 1);
  if ((void*)(ip6 + 1) > data_end) return XDP_DROP;
  __u8 next = ip6->nexthdr;
  void* cursor = ip6 + 1;
#pragma unroll
  for (int i = 0; i < 6; i++) {
    if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS &&
        next != IPPROTO_FRAGMENT)
      break;
    struct ipv6_ext* ext = cursor;
    if ((void*)(ext + 1) > data_end) return XDP_DROP;
    next = ext->next;
    cursor += next == IPPROTO_FRAGMENT ? 8 : (ext->len + 1) * 8;
  }
  if (next != IPPROTO_UDP) return XDP_PASS;
  struct udphdr* udp = cursor;
  if ((void*)(udp + 1) > data_end) return XDP_DROP;
  if (udp->dest == bpf_htons(4789)) bump(&counters, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
