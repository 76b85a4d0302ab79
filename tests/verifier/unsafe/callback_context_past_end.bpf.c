// A bpf_loop callback writes past the 8-byte context on its stack.
// EXPECT: write of 8 bytes at r2 + 0 is outside the stack
#include "../common.h"
static int step(__u32 index, void* data) {
  ((__u64*)data)[index] = 1;  // <- error
  return 0;
}

SEC("xdp")
int callback_context_past_end(struct xdp_md* ctx) {
  __u64 value = 0;
  bpf_loop(100, step, &value, 0);
  return value & 3;
}

char LICENSE[] SEC("license") = "GPL";
