// Counts zero bytes over up to 10,000 bytes of the packet (jumbo frames).
#include "../common.h"

COUNTER_ARRAY(zeros, 1);

SEC("xdp")
int loop_bytes_10000(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  __u32 count = 0;
  for (__u32 i = 0; i < 10000; i++) {
    __u8* byte = data + i;
    if ((void*)(byte + 1) > data_end) break;
    if (*byte == 0) count++;
  }
  __u32 key = 0;
  __u64* value = bpf_map_lookup_elem(&zeros, &key);
  if (value) *value += count;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
