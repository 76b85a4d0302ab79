// 32-bit comparisons bound a 32-bit value used as an offset into a map value.
#include "../common.h"

struct bytes {
  __u8 b[64];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bytes);
} buffer SEC(".maps");

SEC("xdp")
int jmp32_bounds(struct xdp_md* ctx) {
  __u32 key = 0;
  struct bytes* v = bpf_map_lookup_elem(&buffer, &key);
  if (!v) return XDP_PASS;
  __u32 index = bpf_get_prandom_u32();
  if (index >= 64) return XDP_PASS;
  return v->b[index] ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
