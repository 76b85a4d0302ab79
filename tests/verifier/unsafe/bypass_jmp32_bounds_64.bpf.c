// A 32-bit comparison bounds only the low half: r1 may still be huge.
// EXPECT: read of 1 bytes at r6 + 0 is outside the map value
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

ASM_PROGRAM("xdp", bypass_jmp32_bounds_64) {
  asm volatile(
      "r1 = 0;\n"
      "*(u32 *)(r10 - 4) = r1;\n"
      "r2 = r10;\n"
      "r2 += -4;\n"
      "r1 = %[values] ll;\n"
      "call 1;\n"
      "if r0 == 0 goto +6;\n"
      "r6 = r0;\n"
      "call 5;\n"
      "if w0 > 7 goto +3;\n"
      "r6 += r0;\n"
      "r0 = *(u8 *)(r6 + 0);\n"
      "exit;\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [values] "i"(&values)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
