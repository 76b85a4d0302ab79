// A 64-bit offset that may be negative, added to data before the bounds check.
// EXPECT: read of 8 bytes at r2 + 0 is not proven inside the packet: it may start before data_meta
#include "../common.h"


ASM_PROGRAM("xdp", packet_negative_offset) {
  asm volatile(
      "r6 = r1;\n"
      "call 5;\n"
      "r2 = *(u32 *)(r6 + 0);\n"
      "r3 = *(u32 *)(r6 + 4);\n"
      "r2 += r0;\n"
      "r4 = r2;\n"
      "r4 += 8;\n"
      "if r4 > r3 goto out_%=;\n"
      "r0 = *(u64 *)(r2 + 0);\n"
      "out_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
