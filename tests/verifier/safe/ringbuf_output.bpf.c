// bpf_ringbuf_output copies a stack record.
#include "../common.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

SEC("xdp")
int ringbuf_output(struct xdp_md* ctx) {
  __u32 record[4] = {ctx->ingress_ifindex, ctx->rx_queue_index, 1, 2};
  bpf_ringbuf_output(&events, record, sizeof(record), 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
