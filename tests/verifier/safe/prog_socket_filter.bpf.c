// A socket filter: legacy packet loads and __sk_buff fields; returns the bytes to keep.
#include "../common.h"

unsigned long long load_byte(void* skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void* skb, unsigned long long off) asm("llvm.bpf.load.half");

SEC("socket")
int prog_socket_filter(struct __sk_buff* skb) {
  if (skb->len < ETH_HLEN + sizeof(struct iphdr)) return 0;
  if (load_half(skb, offsetof(struct ethhdr, h_proto)) != ETH_P_IP) return 0;
  if (load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol)) != IPPROTO_UDP) return 0;
  return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
