// A packet pointer checked before bpf_xdp_adjust_tail shrank the packet is used after it.
// EXPECT: r7 is read before it is initialised
#include "../common.h"


ASM_PROGRAM("xdp", packet_stale_after_adjust_tail) {
  asm volatile(
      "r6 = r1;\n"
      "r7 = *(u32 *)(r6 + 0);\n"
      "r3 = *(u32 *)(r6 + 4);\n"
      "r4 = r7;\n"
      "r4 += 64;\n"
      "if r4 > r3 goto out_%=;\n"
      "r1 = r6;\n"
      "r2 = -60;\n"
      "call 65;\n"
      "r0 = *(u8 *)(r7 + 63);\n"
      "out_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
