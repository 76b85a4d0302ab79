// Arithmetic on data_end other than adding a constant: data_end + ingress_ifindex.
// EXPECT: arithmetic on a packet_end pointer
#include "../common.h"


ASM_PROGRAM("xdp", packet_end_arithmetic) {
  asm volatile(
      "r2 = *(u32 *)(r1 + 4);\n"
      "r3 = *(u32 *)(r1 + 12);\n"
      "r2 += r3;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
