// w1 = -1 is 0x00000000ffffffff: a verifier that sign-extends thinks r1 == -1 and skips the bad path.
// EXPECT: read of 8 bytes at r10 + 8 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", bypass_mov32_sign_extension) {
  asm volatile(
      "w1 = -1;\n"
      "if r1 != -1 goto +2;\n"
      "r0 = 2;\n"
      "exit;\n"
      "r0 = *(u64 *)(r10 + 8);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
