// A 32-bit move of a pointer is refused unless a 32-bit pointer difference follows it.
// EXPECT: 32-bit copy of a pointer (r1 is ctx, offset 0): the low half of an address may only start a 32-bit pointer difference, w2 = w1; w2 -= wN
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
