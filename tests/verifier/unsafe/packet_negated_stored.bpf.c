// ~data (a negated packet pointer, which xbpf lets a program add to data_end) stored into a
// map value: only a spill to the stack may keep it.
// EXPECT: pointers may only be spilled to the stack
#include "../common.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} values SEC(".maps");

SEC("xdp")
int packet_negated_stored(struct xdp_md* ctx) {
  __u32 key = 0;
  __u64* value = bpf_map_lookup_elem(&values, &key);
  if (!value) return XDP_PASS;
  __u64 data = ctx->data;
  __u64 negated;
  asm volatile("%0 = %1; %0 ^= -1" : "=r"(negated) : "r"(data));
  *value = negated;  // <- error
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
