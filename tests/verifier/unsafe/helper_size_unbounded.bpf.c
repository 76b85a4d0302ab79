// bpf_probe_read_kernel with a size that is not bounded by the buffer.
// EXPECT: argument 1 of bpf_probe_read_kernel: its size is not bounded
#include "../common.h"
SEC("kprobe/vfs_read")
int helper_size_unbounded(void* ctx) {
  char buffer[16];
  __u32 size = bpf_get_prandom_u32();
  bpf_probe_read_kernel(buffer, size, ctx);  // <- error
  return buffer[0];
}

char LICENSE[] SEC("license") = "GPL";
