// Submits a reservation pointer that was moved (Linux verifier bypass pattern).
// EXPECT: argument 1 of bpf_ringbuf_submit must be the pointer bpf_ringbuf_reserve returned
#include "../common.h"
RINGBUF(events);

SEC("xdp")
int ringbuf_modified_offset(struct xdp_md* ctx) {
  __u8* e = bpf_ringbuf_reserve(&events, 16, 0);
  if (!e) return XDP_PASS;
  bpf_ringbuf_submit(e + 8, 0);  // <- error
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
