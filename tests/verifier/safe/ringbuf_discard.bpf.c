// A reservation discarded on one path and submitted on the other.
#include "../common.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

SEC("xdp")
int ringbuf_discard(struct xdp_md* ctx) {
  __u64* e = bpf_ringbuf_reserve(&events, 16, 0);
  if (!e) return XDP_PASS;
  e[0] = ctx->ingress_ifindex;
  e[1] = 0;
  if (ctx->rx_queue_index == 0) bpf_ringbuf_discard(e, 0);
  else bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
