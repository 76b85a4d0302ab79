// A loop indexing an array inside a map value.
#include "../common.h"

struct hist {
  __u32 buckets[32];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct hist);
} hists SEC(".maps");

SEC("xdp")
int loop_map_value_index(struct xdp_md* ctx) {
  __u32 key = 0;
  struct hist* h = bpf_map_lookup_elem(&hists, &key);
  if (!h) return XDP_PASS;
  for (int i = 0; i < 32; i++) h->buckets[i] = 0;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
