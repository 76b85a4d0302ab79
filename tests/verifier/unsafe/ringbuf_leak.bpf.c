// A reservation that is never submitted.
// EXPECT: the reference bpf_ringbuf_reserve returned at pc 4 is not released on this path
#include "../common.h"
RINGBUF(events);

SEC("xdp")
int ringbuf_leak(struct xdp_md* ctx) {
  __u64* e = bpf_ringbuf_reserve(&events, 8, 0);
  if (!e) return XDP_PASS;
  *e = 1;
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
