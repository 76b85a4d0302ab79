// Arithmetic on data_end.
// EXPECT: arithmetic on a packet_end pointer
#include "../common.h"


ASM_PROGRAM("xdp", packet_end_arithmetic) {
  asm volatile(
      "r2 = *(u32 *)(r1 + 4);\n"
      "r2 += 1;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
