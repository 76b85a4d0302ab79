// A signed index checked only from above.
// EXPECT: write of 8 bytes at r6 + 0 is outside the map value
#include "../common.h"
struct quad {
  __u64 v[4];
};
ARRAY_MAP(values, struct quad, 1);

SEC("xdp")
int map_value_negative_index(struct xdp_md* ctx) {
  __u32 key = 0;
  struct quad* q = bpf_map_lookup_elem(&values, &key);
  if (!q) return XDP_PASS;
  int i = (int)bpf_get_prandom_u32();
  if (i > 3) return XDP_PASS;
  q->v[i] = 1;  // <- error
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
