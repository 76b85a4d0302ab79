// w1 s>>= 31 of a negative 32-bit number is 0xffffffff (zero-extended), not -1.
// EXPECT: read of 8 bytes at r10 + 8 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", arsh32_bounds) {
  asm volatile(
      "w1 = -8;\n"
      "w1 s>>= 31;\n"
      "if r1 != -1 goto bad_%=;\n"
      "r0 = 2;\n"
      "exit;\n"
      "bad_%=:\n"
      "r0 = *(u64 *)(r10 + 8);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
