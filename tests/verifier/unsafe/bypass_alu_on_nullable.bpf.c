// Arithmetic on a map_value_or_null before the NULL check.
// EXPECT: arithmetic on r0, which may be NULL
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

ASM_PROGRAM("xdp", bypass_alu_on_nullable) {
  asm volatile(
      "r1 = 0;\n"
      "*(u32 *)(r10 - 4) = r1;\n"
      "r2 = r10;\n"
      "r2 += -4;\n"
      "r1 = %[values] ll;\n"
      "call 1;\n"
      "r0 += 8;\n"
      "if r0 == 0 goto +1;\n"
      "r0 = *(u64 *)(r0 + 0);\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [values] "i"(&values)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
