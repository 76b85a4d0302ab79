// Hash map update, lookup and delete with a struct key.
#include "../common.h"

struct key {
  __u32 ifindex;
  __u32 queue;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 128);
  __type(key, struct key);
  __type(value, __u32);
} seen SEC(".maps");

SEC("xdp")
int map_hash_ops(struct xdp_md* ctx) {
  struct key k = {.ifindex = ctx->ingress_ifindex, .queue = ctx->rx_queue_index};
  __u32* v = bpf_map_lookup_elem(&seen, &k);
  if (v) {
    if (*v > 100) bpf_map_delete_elem(&seen, &k);
    else *v += 1;
    return XDP_PASS;
  }
  __u32 one = 1;
  bpf_map_update_elem(&seen, &k, &one, BPF_NOEXIST);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
