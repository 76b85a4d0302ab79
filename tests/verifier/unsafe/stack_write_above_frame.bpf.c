// Writes at r10 (above the frame).
// EXPECT: write of 8 bytes at r10 + 0 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", stack_write_above_frame) {
  asm volatile(
      "r1 = 0;\n"
      "*(u64 *)(r10 + 0) = r1;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
