// Decrements the IPv4 TTL and patches the checksum incrementally.
#include "../common.h"

SEC("xdp")
int xdp_ttl_csum(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > data_end) return XDP_DROP;
  if (ip->ttl <= 1) return XDP_DROP;
  __u32 check = ip->check;
  check += bpf_htons(0x0100);
  ip->check = (__u16)(check + (check >= 0xFFFF));
  ip->ttl--;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
