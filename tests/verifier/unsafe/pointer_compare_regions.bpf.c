// Compares a packet pointer with a stack pointer.
// EXPECT: comparison of packet, offset 0 with stack, offset 512: pointers may only be compared with pointers into the same region
#include "../common.h"


ASM_PROGRAM("xdp", pointer_compare_regions) {
  asm volatile(
      "r2 = *(u32 *)(r1 + 0);\n"
      "r3 = r10;\n"
      "r0 = 2;\n"
      "if r2 > r3 goto +1;\n"
      "r0 = 1;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
