// 32-bit AND/XOR bounds: (x & 0xff) ^ 0x100 is in [0x100, 0x1ff], past a 256-byte value.
// EXPECT: read of 1 bytes at r6 + 0 is outside the map value
#include "../common.h"
struct block {
  __u8 bytes[256];
};
ARRAY_MAP(values, struct block, 1);

ASM_PROGRAM("xdp", bypass_alu32_bitwise_bounds) {
  asm volatile(
      "r1 = 0;\n"
      "*(u32 *)(r10 - 4) = r1;\n"
      "r2 = r10;\n"
      "r2 += -4;\n"
      "r1 = %[values] ll;\n"
      "call 1;\n"
      "if r0 == 0 goto +8;\n"
      "r6 = r0;\n"
      "call 7;\n"
      "w0 &= 255;\n"
      "w0 ^= 256;\n"
      "r0 += -240;\n"
      "r6 += r0;\n"
      "r0 = *(u8 *)(r6 + 0);\n"
      "exit;\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [values] "i"(&values)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
