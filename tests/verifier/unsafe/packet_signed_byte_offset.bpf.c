// A byte minus 128 is in [-128, 127]: data + it may precede the packet.
// EXPECT: read of 1 bytes at r2 + 0 is not proven inside the packet: it may start before data_meta
#include "../common.h"


ASM_PROGRAM("xdp", packet_signed_byte_offset) {
  asm volatile(
      "r2 = *(u32 *)(r1 + 0);\n"
      "r3 = *(u32 *)(r1 + 4);\n"
      "r4 = r2;\n"
      "r4 += 256;\n"
      "if r4 > r3 goto out_%=;\n"
      "r5 = *(u8 *)(r2 + 0);\n"
      "r5 += -128;\n"
      "r2 += r5;\n"
      "r0 = *(u8 *)(r2 + 128);\n"
      "r0 = *(u8 *)(r2 + 0);\n"
      "out_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
