// Stores the context pointer into a map value.
// EXPECT: stores a pointer (ctx, offset 0) into map_value memory
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

SEC("xdp")
int pointer_leak_map(struct xdp_md* ctx) {
  __u32 key = 0;
  __u64* value = bpf_map_lookup_elem(&values, &key);
  if (!value) return XDP_PASS;
  *value = (__u64)(long)ctx;  // <- error
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
