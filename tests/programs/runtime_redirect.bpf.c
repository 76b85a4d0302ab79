// bpf_redirect and bpf_redirect_map on a devmap and a devmap_hash. Programs cannot fill
// device maps: the test puts ifindex 1 (lo, which every Linux has) at key 1 of both before
// running. runtime_redirect records every call's return value; the others return one call's
// verdict. Slots: enum redirect_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} devices SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} devices_hash SEC(".maps");

SEC("xdp")
int runtime_redirect(struct xdp_md *ctx) {
  struct results r = {};
  r.v[RD_REDIRECT] = bpf_redirect(1, 0);
  r.v[RD_REDIRECT_FLAGS] = bpf_redirect(1, 1);
  r.v[RD_MAP_HIT] = bpf_redirect_map(&devices, 1, 0);
  r.v[RD_MAP_MISS] = bpf_redirect_map(&devices, 2, XDP_PASS);
  r.v[RD_MAP_MISS_DROP] = bpf_redirect_map(&devices, 9, XDP_DROP);
  r.v[RD_MAP_BAD_FLAGS] = bpf_redirect_map(&devices, 1, 0x40);
  r.v[RD_MAP_BROADCAST] = bpf_redirect_map(&devices, 0, BPF_F_BROADCAST);
  r.v[RD_HASH_HIT] = bpf_redirect_map(&devices_hash, 1, 0);
  r.v[RD_HASH_MISS] = bpf_redirect_map(&devices_hash, 5, XDP_TX);
  __u32 key = 1;
  __u32 *ifindex = bpf_map_lookup_elem(&devices, &key);
  r.v[RD_LOOKUP_DEVMAP] = ifindex ? (int)*ifindex : -1;
  key = 2;
  r.v[RD_LOOKUP_MISSING] = bpf_map_lookup_elem(&devices, &key) == 0;
  key = 1;
  ifindex = bpf_map_lookup_elem(&devices_hash, &key);
  r.v[RD_LOOKUP_DEVMAP_HASH] = ifindex ? (int)*ifindex : -1;
  if (!STORE_XDP_RESULTS(ctx, &r)) return XDP_ABORTED;
  return bpf_redirect_map(&devices, 1, 0);
}

SEC("xdp")
int redirect_ifindex(struct xdp_md *ctx) { return bpf_redirect(1, 0); }

SEC("xdp")
int redirect_map_miss(struct xdp_md *ctx) { return bpf_redirect_map(&devices, 3, XDP_PASS); }

SEC("xdp")
int redirect_hash_hit(struct xdp_md *ctx) { return bpf_redirect_map(&devices_hash, 1, XDP_DROP); }

char LICENSE[] SEC("license") = "GPL";
