// A per-CPU array and an LRU hash.
#include "../common.h"

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} packets SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, __u64);
} last_seen SEC(".maps");

SEC("xdp")
int map_percpu_lru(struct xdp_md* ctx) {
  __u32 zero = 0;
  __u64* count = bpf_map_lookup_elem(&packets, &zero);
  if (count) *count += 1;
  __u32 ifindex = ctx->ingress_ifindex;
  __u64 now = bpf_ktime_get_ns();
  bpf_map_update_elem(&last_seen, &ifindex, &now, BPF_ANY);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
