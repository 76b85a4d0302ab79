// The upper half of a spilled 64-bit number read back with a 32-bit load is 1, not 0.
// EXPECT: read of 8 bytes at r10 + 8 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", stack_upper_half) {
  asm volatile(
      "r1 = 0x100000000 ll;\n"
      "*(u64 *)(r10 - 8) = r1;\n"
      "r2 = *(u32 *)(r10 - 4);\n"
      "if r2 == 0 goto ok_%=;\n"
      "r0 = *(u64 *)(r10 + 8);\n"
      "exit;\n"
      "ok_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
