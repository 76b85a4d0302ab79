// A reservation submitted on one path only.
// EXPECT: the reference bpf_ringbuf_reserve returned at pc 5 is not released on this path
#include "../common.h"
RINGBUF(events);

SEC("xdp")
int ringbuf_leak_one_path(struct xdp_md* ctx) {
  __u64* e = bpf_ringbuf_reserve(&events, 8, 0);
  if (!e) return XDP_PASS;
  *e = ctx->rx_queue_index;
  if (ctx->rx_queue_index) bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
