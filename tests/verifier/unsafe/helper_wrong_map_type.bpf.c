// bpf_ringbuf_reserve on an array map.
// EXPECT: argument 1 of bpf_ringbuf_reserve: map values: this helper does not take a map of type 2
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

SEC("xdp")
int helper_wrong_map_type(struct xdp_md* ctx) {
  __u64* slot = bpf_ringbuf_reserve(&values, 8, 0);  // <- error
  if (slot) bpf_ringbuf_submit(slot, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
