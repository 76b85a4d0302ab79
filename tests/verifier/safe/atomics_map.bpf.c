// Atomic add, or, and exchange on a map value.
#include "../common.h"

struct flags {
  __u64 count;
  __u64 bits;
  __u64 last;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct flags);
} state SEC(".maps");

SEC("xdp")
int atomics_map(struct xdp_md* ctx) {
  __u32 key = 0;
  struct flags* f = bpf_map_lookup_elem(&state, &key);
  if (!f) return XDP_PASS;
  __sync_fetch_and_add(&f->count, 1);
  __sync_fetch_and_or(&f->bits, 1ull << (ctx->rx_queue_index & 63));
  __sync_lock_test_and_set(&f->last, ctx->ingress_ifindex);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
