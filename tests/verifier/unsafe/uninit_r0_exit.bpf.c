// Exits without setting r0.
// EXPECT: r0 is read before it is initialised
#include "../common.h"


ASM_PROGRAM("xdp", uninit_r0_exit) {
  asm volatile(
      "r1 = 1;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
