// A map value array indexed by a bounded value from the packet.
#include "../common.h"

struct slots {
  __u64 counts[256];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct slots);
} by_byte SEC(".maps");

SEC("xdp")
int map_value_masked_index(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  if (data + 20 > data_end) return XDP_DROP;
  __u32 key = 0;
  struct slots* s = bpf_map_lookup_elem(&by_byte, &key);
  if (!s) return XDP_PASS;
  __u8 b = *(__u8*)(data + 19);
  s->counts[b] += 1;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
