// An array of arrays: the outer lookup yields a map, the inner one a value.
#include "../common.h"

struct inner {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} inner_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 2);
  __type(key, __u32);
  __array(values, struct inner);
} outer SEC(".maps") = {.values = {&inner_map}};

SEC("xdp")
int map_in_map(struct xdp_md* ctx) {
  __u32 key = 0;
  void* map = bpf_map_lookup_elem(&outer, &key);
  if (!map) return XDP_PASS;
  __u32 inner_key = 1;
  __u64* value = bpf_map_lookup_elem(map, &inner_key);
  if (!value) return XDP_PASS;
  *value += 1;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
