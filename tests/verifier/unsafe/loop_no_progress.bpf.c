// A loop whose counter never changes.
// EXPECT: the loop at pc 1 may not terminate
#include "../common.h"


ASM_PROGRAM("xdp", loop_no_progress) {
  asm volatile(
      "r1 = 0;\n"
      "if r1 > 10 goto +2;\n"
      "r2 = r1;\n"
      "goto -3;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
