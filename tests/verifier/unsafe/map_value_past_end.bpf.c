// Reads the second u64 of an 8-byte map value.
// EXPECT: read of 8 bytes at r1 + 8 is outside the map value
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

SEC("xdp")
int map_value_past_end(struct xdp_md* ctx) {
  __u32 key = 0;
  volatile __u64* value = bpf_map_lookup_elem(&values, &key);
  if (!value) return XDP_PASS;
  return value[1] ? XDP_DROP : XDP_PASS;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
