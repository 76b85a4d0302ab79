// A jump to itself.
// EXPECT: the loop at pc 1 may not terminate
#include "../common.h"


ASM_PROGRAM("xdp", loop_infinite) {
  asm volatile(
      "r0 = 0;\n"
      "r0 += 1;\n"
      "goto -2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
