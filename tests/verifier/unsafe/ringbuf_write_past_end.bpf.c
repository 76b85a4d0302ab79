// Writes past the end of a 16-byte reservation.
// EXPECT: write of 8 bytes at r0 + 16 is outside the ring buffer reservation
#include "../common.h"
RINGBUF(events);

SEC("xdp")
int ringbuf_write_past_end(struct xdp_md* ctx) {
  __u64* e = bpf_ringbuf_reserve(&events, 16, 0);
  if (!e) return XDP_PASS;
  e[2] = 1;  // <- error
  bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
