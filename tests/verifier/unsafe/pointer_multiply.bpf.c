// Multiplies a pointer.
// EXPECT: operation on a pointer other than adding or subtracting a number
#include "../common.h"


ASM_PROGRAM("xdp", pointer_multiply) {
  asm volatile(
      "r1 *= 2;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
