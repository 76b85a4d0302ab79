// bpf_csum_diff over two stack buffers (a memory and size pair each).
#include "../common.h"

SEC("tc")
int csum_diff(struct __sk_buff* skb) {
  __be32 from[2] = {skb->mark, 0};
  __be32 to[2] = {skb->priority, 1};
  __s64 sum = bpf_csum_diff(from, sizeof(from), to, sizeof(to), 0);
  return sum < 0 ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
