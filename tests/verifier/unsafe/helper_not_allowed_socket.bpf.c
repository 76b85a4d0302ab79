// bpf_skb_store_bytes is not available to socket filters.
// EXPECT: bpf_skb_store_bytes (helper 9) may not be called by socket_filter programs
#include "../common.h"
SEC("socket")
int helper_not_allowed_socket(struct __sk_buff* skb) {
  __u8 zero = 0;
  bpf_skb_store_bytes(skb, 0, &zero, 1, 0);  // <- error
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
