// Packet pointers spilled to the stack across a helper call keep their type and range.
#include "../common.h"

SEC("xdp")
int spill_packet_pointer(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  __u64 now = bpf_ktime_get_ns();  // clobbers r1..r5: eth lives on the stack or in r6..r9
  asm volatile("" ::: "r6", "r7", "r8", "r9");
  return (eth->h_proto ^ (__u16)now) & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
