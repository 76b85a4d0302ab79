// Reads below the 512-byte frame.
// EXPECT: read of 8 bytes at r10 - 520 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", stack_read_below_frame) {
  asm volatile(
      "r0 = *(u64 *)(r10 - 520);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
