// tc programs may not write __sk_buff.len.
// EXPECT: write of 4 bytes at r1 + 0: field len of __sk_buff is read-only in sched_cls programs
#include "../common.h"
SEC("tc")
int ctx_write_skb_len(struct __sk_buff* skb) {
  skb->len = 0;  // <- error
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
