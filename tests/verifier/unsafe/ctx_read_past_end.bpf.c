// Reads past the end of struct xdp_md (24 bytes).
// EXPECT: read of 4 bytes at r1 + 24 is outside the context
#include "../common.h"


ASM_PROGRAM("xdp", ctx_read_past_end) {
  asm volatile(
      "r0 = *(u32 *)(r1 + 24);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
