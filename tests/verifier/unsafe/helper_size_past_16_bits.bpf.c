// bpf_trace_printk told its 27-byte format is 128 MiB long: a size whose last byte, truncated to
// an access's 16-bit offset, would land inside the string (found by fuzz_verifier: the helper
// refused it at run time).
// EXPECT: read of 1 bytes at r1 + 0 is outside the map value
#include "../common.h"

static const char format[] = "hello from the corpus: %d\n";

SEC("xdp")
int helper_size_past_16_bits(struct xdp_md* ctx) {
  bpf_trace_printk(format, 0x8000011, 42);  // <- error
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
