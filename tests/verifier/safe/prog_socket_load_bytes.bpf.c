// A socket filter copying the IPv4 header to the stack with bpf_skb_load_bytes.
#include "../common.h"

SEC("socket")
int prog_socket_load_bytes(struct __sk_buff* skb) {
  struct iphdr ip;
  if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0) return 0;
  return ip.ttl > 1 ? -1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
