// Adds two pointers.
// EXPECT: arithmetic between two pointers
#include "../common.h"


ASM_PROGRAM("xdp", pointer_plus_pointer) {
  asm volatile(
      "r1 += r10;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
