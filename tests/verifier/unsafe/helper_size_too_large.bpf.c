// bpf_probe_read_kernel of 32 bytes into a 16-byte buffer.
// EXPECT: write of 1 bytes at r1 + 31 is outside the stack
#include "../common.h"
SEC("kprobe/vfs_read")
int helper_size_too_large(void* ctx) {
  char buffer[16];
  bpf_probe_read_kernel(buffer, 32, ctx);  // <- error
  return buffer[0];
}

char LICENSE[] SEC("license") = "GPL";
