// 32-bit modulo by zero keeps the low half and clears the high half: r1 becomes 0.
// EXPECT: read of 8 bytes at r10 + 8 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", bypass_mod32_zero_extension) {
  asm volatile(
      "r1 = 0x100000000 ll;\n"
      "w2 = 0;\n"
      ".quad 0x219c;  /* w1 %%= w2 (clang 14 cannot assemble mod) */\n"
      "if r1 != 0 goto +2;\n"
      "r0 = *(u64 *)(r10 + 8);\n"
      "exit;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
