// Two 32-bit numbers spilled side by side read back as one 64-bit number: 0x100000000, not 0.
// EXPECT: read of 8 bytes at r10 + 8 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", stack_mixed_halves) {
  asm volatile(
      "r1 = 0;\n"
      "*(u32 *)(r10 - 8) = r1;\n"
      "r1 = 1;\n"
      "*(u32 *)(r10 - 4) = r1;\n"
      "r2 = *(u64 *)(r10 - 8);\n"
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
