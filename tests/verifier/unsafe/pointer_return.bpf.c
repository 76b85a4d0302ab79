// Returns the context pointer.
// EXPECT: the program returns a pointer
#include "../common.h"


ASM_PROGRAM("xdp", pointer_return) {
  asm volatile(
      "r0 = r1;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
