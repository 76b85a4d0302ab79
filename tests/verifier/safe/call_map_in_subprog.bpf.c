// A subprogram looks up a map and returns a number.
#include "../common.h"

COUNTER_ARRAY(config, 4);

static __attribute__((noinline)) __u64 setting(__u32 index) {
  __u64* value = bpf_map_lookup_elem(&config, &index);
  return value ? *value : 0;
}

SEC("xdp")
int call_map_in_subprog(struct xdp_md* ctx) {
  return setting(0) + setting(1) > 10 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
