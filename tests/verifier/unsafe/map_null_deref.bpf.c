// Dereferences a lookup result without checking it for NULL.
// EXPECT: read of 8 bytes at r0 + 0: r0 may be NULL
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

SEC("xdp")
int map_null_deref(struct xdp_md* ctx) {
  __u32 key = 0;
  __u64* value = bpf_map_lookup_elem(&values, &key);
  return *value ? XDP_DROP : XDP_PASS;  // <- error
}

char LICENSE[] SEC("license") = "GPL";
