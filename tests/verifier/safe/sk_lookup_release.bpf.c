// tc: bpf_sk_lookup_tcp acquires a socket reference, released on every path.
#include "../common.h"

SEC("tc")
int sk_lookup_release(struct __sk_buff* skb) {
  struct bpf_sock_tuple tuple = {};
  tuple.ipv4.daddr = skb->mark;
  tuple.ipv4.dport = bpf_htons(80);
  struct bpf_sock* sk = bpf_sk_lookup_tcp(skb, &tuple, sizeof(tuple.ipv4), BPF_F_CURRENT_NETNS, 0);
  if (!sk) return TC_ACT_OK;
  __u32 state = sk->state;
  bpf_sk_release(sk);
  return state == 10 ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
