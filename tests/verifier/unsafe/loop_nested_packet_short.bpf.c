// loop_nested_packet (safe/) as clang compiles it, with one byte too few checked: r7 =
// max(data + 1 + 8 * block, data_end + 1) + ~data - 8 * block is packet_size - 8 * block when
// the block starts inside the packet, and the loop leaves when r7 < 7, yet reads 8 bytes.
// EXPECT: is not proven inside the packet
#include "../common.h"

ASM_PROGRAM("xdp", loop_nested_packet_short) {
  asm volatile(
      "w6 = 0;\n"
      "r2 = 0;\n"
      "r5 = *(u32 *)(r1 + 0);\n"
      "r4 = r5;\n"
      "r4 += 1;\n"
      "r1 = *(u32 *)(r1 + 4);\n"
      "r1 += 1;\n"
      "*(u64 *)(r10 - 8) = r5;\n"
      "r5 ^= -1;\n"
      "goto 2f;\n"
      "1:\n"
      "r7 += r5;\n"
      "w0 = 2;\n"
      "if r7 < 7 goto 3f;\n"
      "r0 = *(u64 *)(r10 - 8);\n"
      "r0 += r2;\n"
      "r7 = *(u8 *)(r0 + 7);\n"
      "w6 += w7;\n"
      "r5 += -8;\n"
      "r4 += 8;\n"
      "r2 += 8;\n"
      "if r2 != 64 goto 2f;\n"
      "w0 = 1;\n"
      "goto 3f;\n"
      "2:\n"
      "r7 = r4;\n"
      "if r4 > r1 goto 1b;\n"
      "r7 = r1;\n"
      "goto 1b;\n"
      "3:\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
