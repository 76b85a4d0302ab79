// cgroup_skb/egress: counts bytes per protocol, allows everything.
#include "../common.h"

COUNTER_ARRAY(bytes, 2);

SEC("cgroup_skb/egress")
int prog_cgroup_skb(struct __sk_buff* skb) {
  __u32 key = skb->protocol == bpf_htons(ETH_P_IPV6);
  __u64* value = bpf_map_lookup_elem(&bytes, &key);
  if (value) __sync_fetch_and_add(value, skb->len);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
