// bpf_for_each_map_elem over a hash map, summing the values.
#include "../common.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u64);
} values SEC(".maps");

struct sum_ctx {
  __u64 sum;
};

static __u64 add_value(void* map, __u32* key, __u64* value, struct sum_ctx* c) {
  c->sum += *value + *key;
  return 0;
}

SEC("xdp")
int callback_for_each(struct xdp_md* ctx) {
  struct sum_ctx c = {0};
  bpf_for_each_map_elem(&values, add_value, &c, 0);
  return c.sum ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
