// A loop bounded only by a 64-bit number from a helper.
// EXPECT: may not terminate: its number of iterations could not be bounded
#include "../common.h"
SEC("xdp")
int loop_unbounded(struct xdp_md* ctx) {
  __u64 n = bpf_ktime_get_ns();
  __u64 sum = 0;
  for (__u64 i = 0; i < n; i++) sum = (sum ^ i) * 31;
  return sum & 1;
}

char LICENSE[] SEC("license") = "GPL";
