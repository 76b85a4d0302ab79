// cgroup_skb/ingress must return 0 or 1, not an arbitrary number.
// EXPECT: may be outside [0, 1], the valid range of cgroup_skb programs
#include "../common.h"
SEC("cgroup_skb/ingress")
int return_cgroup_skb_unknown(struct __sk_buff* skb) {
  return skb->len;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
