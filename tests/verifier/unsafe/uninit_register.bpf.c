// Returns r4, which nothing initialised.
// EXPECT: r4 is read before it is initialised
#include "../common.h"


ASM_PROGRAM("xdp", uninit_register) {
  asm volatile(
      "r0 = r4;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
