// Writes a const global (.rodata is read-only).
// EXPECT: map .rodata (read-only data) may not be written
#include "../common.h"
const volatile __u32 limit = 10;

SEC("xdp")
int rodata_write(struct xdp_md* ctx) {
  *(volatile __u32*)&limit = 5;  // <- error
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
