// A 32-bit division uses only the low half of the divisor: 7 / 0x100000001 is 7, not 0.
// EXPECT: read of 8 bytes at r10 + 8 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", bypass_div32_divisor_truncation) {
  asm volatile(
      "r1 = 7;\n"
      "r2 = 0x100000001 ll;\n"
      "w1 /= w2;\n"
      "if r1 != 7 goto +2;\n"
      "r0 = *(u64 *)(r10 + 8);\n"
      "exit;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
