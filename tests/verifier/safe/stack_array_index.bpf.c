// A stack array indexed by a masked packet byte.
#include "../common.h"

SEC("xdp")
int stack_array_index(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  if (data + 1 > data_end) return XDP_DROP;
  __u8 table[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  volatile __u8* t = table;
  __u8 index = *(__u8*)data & 15;
  return t[index] > 8 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
