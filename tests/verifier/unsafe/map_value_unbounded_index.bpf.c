// A map value array indexed by an unbounded number.
// EXPECT: write of 8 bytes at r6 + 0 is outside the map value
#include "../common.h"
struct quad {
  __u64 v[4];
};
ARRAY_MAP(values, struct quad, 1);

SEC("xdp")
int map_value_unbounded_index(struct xdp_md* ctx) {
  __u32 key = 0;
  struct quad* q = bpf_map_lookup_elem(&values, &key);
  if (!q) return XDP_PASS;
  __u32 i = bpf_get_prandom_u32();
  q->v[i] = 1;  // <- error
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
