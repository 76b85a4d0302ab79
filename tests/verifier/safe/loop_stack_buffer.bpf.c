// A loop filling a 64-byte stack buffer, which then serves as a map value.
#include "../common.h"

struct blob {
  __u8 bytes[64];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, struct blob);
} blobs SEC(".maps");

SEC("xdp")
int loop_stack_buffer(struct xdp_md* ctx) {
  struct blob value;
  for (int i = 0; i < 64; i++) value.bytes[i] = (__u8)(i * 7);
  __u32 key = ctx->ingress_ifindex;
  bpf_map_update_elem(&blobs, &key, &value, BPF_ANY);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
