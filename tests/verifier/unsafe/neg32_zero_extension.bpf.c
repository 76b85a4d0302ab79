// w1 = -w1 of 1 is 0xffffffff (zero-extended).
// EXPECT: read of 8 bytes at r10 + 8 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", neg32_zero_extension) {
  asm volatile(
      "r1 = 1;\n"
      "w1 = -w1;\n"
      "if r1 == -1 goto ok_%=;\n"
      "r0 = *(u64 *)(r10 + 8);\n"
      "exit;\n"
      "ok_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
