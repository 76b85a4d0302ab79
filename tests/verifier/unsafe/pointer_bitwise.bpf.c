// Masks a packet pointer.
// EXPECT: operation on a pointer other than adding or subtracting a number
#include "../common.h"


ASM_PROGRAM("xdp", pointer_bitwise) {
  asm volatile(
      "r2 = *(u32 *)(r1 + 0);\n"
      "r2 &= 255;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
