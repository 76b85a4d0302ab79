// A loop that counts down from 128.
#include "../common.h"

SEC("xdp")
int loop_countdown(struct xdp_md* ctx) {
  __u32 x = 0;
  for (int i = 128; i > 0; i--) x += (__u32)i * 3;
  return x & 3;
}

char LICENSE[] SEC("license") = "GPL";
