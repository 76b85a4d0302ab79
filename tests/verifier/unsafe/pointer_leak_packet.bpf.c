// Stores the frame pointer into the packet.
// EXPECT: stores a pointer (stack, offset 512) into packet memory
#include "../common.h"


ASM_PROGRAM("xdp", pointer_leak_packet) {
  asm volatile(
      "r2 = *(u32 *)(r1 + 0);\n"
      "r3 = *(u32 *)(r1 + 4);\n"
      "r4 = r2;\n"
      "r4 += 8;\n"
      "if r4 > r3 goto +1;\n"
      "*(u64 *)(r2 + 0) = r10;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
