// A stack array indexed by an unbounded value.
// EXPECT: write of 1 bytes at r2 + 0 is outside the stack
#include "../common.h"
SEC("xdp")
int stack_variable_index(struct xdp_md* ctx) {
  volatile __u8 table[16] = {};
  __u32 index = bpf_get_prandom_u32();
  table[index] = 1;  // <- error
  return table[0];
}

char LICENSE[] SEC("license") = "GPL";
