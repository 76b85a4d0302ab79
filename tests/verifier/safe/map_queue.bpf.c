// A queue map: push the ingress ifindex, pop the oldest.
#include "../common.h"

struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, 32);
  __type(value, __u32);
} fifo SEC(".maps");

SEC("xdp")
int map_queue(struct xdp_md* ctx) {
  __u32 value = ctx->ingress_ifindex;
  bpf_map_push_elem(&fifo, &value, BPF_EXIST);
  __u32 oldest;
  if (bpf_map_pop_elem(&fifo, &oldest) == 0 && oldest == 7) return XDP_DROP;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
