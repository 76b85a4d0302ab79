// bpf_redirect_map through a device map, with the return value passed on.
#include "../common.h"

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int redirect_devmap(struct xdp_md* ctx) {
  return bpf_redirect_map(&ports, ctx->rx_queue_index & 7, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
