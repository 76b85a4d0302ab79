// xdp_md.data is read-only.
// EXPECT: write of 4 bytes at r1 + 0: field data of xdp_md is read-only in xdp programs
#include "../common.h"


ASM_PROGRAM("xdp", ctx_write_xdp_data) {
  asm volatile(
      "r2 = 0;\n"
      "*(u32 *)(r1 + 0) = r2;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
