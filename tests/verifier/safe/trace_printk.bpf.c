// bpf_trace_printk with a constant format string.
#include "../common.h"

SEC("xdp")
int trace_printk(struct xdp_md* ctx) {
  bpf_printk("packet on %u, queue %u", ctx->ingress_ifindex, ctx->rx_queue_index);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
