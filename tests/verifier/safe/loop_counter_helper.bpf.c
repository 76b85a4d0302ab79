// The loop counter is the key of a map lookup: its address is passed to a helper.
#include "../common.h"

COUNTER_ARRAY(slots, 64);

SEC("xdp")
int loop_counter_helper(struct xdp_md* ctx) {
  __u64 total = 0;
  for (__u32 i = 0; i < 64; i++) {
    __u64* value = bpf_map_lookup_elem(&slots, &i);
    if (value) total += *value;
  }
  return total ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
