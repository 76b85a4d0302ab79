// A bounds check with a 32-bit comparison: the low halves of the pointers may wrap, so it proves nothing.
// EXPECT: 32-bit comparison of pointers
#include "../common.h"


ASM_PROGRAM("xdp", packet_jmp32_bounds_check) {
  asm volatile(
      "r2 = *(u32 *)(r1 + 0);\n"
      "r3 = *(u32 *)(r1 + 4);\n"
      "r4 = r2;\n"
      "r4 += 8;\n"
      "if w4 > w3 goto out_%=;\n"
      "r0 = *(u64 *)(r2 + 0);\n"
      "out_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
