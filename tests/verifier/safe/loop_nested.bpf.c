// Nested loops: a 16 x 16 table walk over a map value.
#include "../common.h"

struct table {
  __u8 cells[16][16];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct table);
} tables SEC(".maps");

SEC("xdp")
int loop_nested(struct xdp_md* ctx) {
  __u32 key = 0;
  struct table* t = bpf_map_lookup_elem(&tables, &key);
  if (!t) return XDP_PASS;
  __u32 sum = 0;
  for (int row = 0; row < 16; row++)
    for (int column = 0; column < 16; column++) sum += t->cells[row][column];
  return sum > 100 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
