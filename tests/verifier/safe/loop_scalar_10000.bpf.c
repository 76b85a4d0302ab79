// A pure computation loop of 10,000 iterations (a linear congruential generator).
#include "../common.h"

SEC("socket")
int loop_scalar_10000(struct __sk_buff* skb) {
  __u32 x = skb->len;
  for (int i = 0; i < 10000; i++) x = x * 1103515245u + 12345u;
  return x & 0xff;
}

char LICENSE[] SEC("license") = "GPL";
