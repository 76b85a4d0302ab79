// Comparing a nullable pointer with 1 proves nothing about NULL.
// EXPECT: comparison of map_value or NULL of map #0, offset 0 with number 1: pointers may only be compared with pointers into the same region
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

ASM_PROGRAM("xdp", null_check_nonzero_constant) {
  asm volatile(
      "r1 = 0;\n"
      "*(u32 *)(r10 - 4) = r1;\n"
      "r2 = r10;\n"
      "r2 += -4;\n"
      "r1 = %[values] ll;\n"
      "call 1;\n"
      "if r0 == 1 goto out_%=;\n"
      "r0 = *(u64 *)(r0 + 0);\n"
      "out_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [values] "i"(&values)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
