// Global variables in .data, .bss and .rodata.
#include "../common.h"

volatile __u64 packets = 0;
volatile __u32 threshold = 100;
const volatile __u32 drop_port = 23;

SEC("xdp")
int global_data(struct xdp_md* ctx) {
  packets++;
  if (packets > threshold) threshold = threshold * 2;
  return ctx->rx_queue_index == drop_port ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
