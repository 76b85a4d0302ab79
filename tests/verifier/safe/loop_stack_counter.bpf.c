// The loop counter lives on the stack (volatile: every iteration loads and stores it).
#include "../common.h"

SEC("xdp")
int loop_stack_counter(struct xdp_md* ctx) {
  volatile __u32 i;
  __u32 sum = 0;
  for (i = 0; i < 200; i++) sum += i;
  return sum == 19900 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
