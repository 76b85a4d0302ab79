// A 32-bit move of a pointer yields a number (the low half of the address), not a pointer.
// EXPECT: read of 4 bytes at r2 + 0: r2 is not a pointer to memory
#include "../common.h"


ASM_PROGRAM("xdp", pointer_32bit_mov) {
  asm volatile(
      "w2 = w1;\n"
      "r0 = *(u32 *)(r2 + 0);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
