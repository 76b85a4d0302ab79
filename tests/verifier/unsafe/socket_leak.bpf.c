// A socket from bpf_sk_lookup_tcp that is never released.
// EXPECT: the reference bpf_sk_lookup_tcp returned at pc 12 is not released on this path
#include "../common.h"
SEC("tc")
int socket_leak(struct __sk_buff* skb) {
  struct bpf_sock_tuple tuple = {};
  struct bpf_sock* sk = bpf_sk_lookup_tcp(skb, &tuple, sizeof(tuple.ipv4), BPF_F_CURRENT_NETNS, 0);
  if (!sk) return TC_ACT_OK;
  return sk->state == 10 ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
