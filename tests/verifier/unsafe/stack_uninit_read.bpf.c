// Reads a stack slot nothing wrote.
// EXPECT: read of 8 bytes at r10 - 8 reads stack byte r10 - 8, which is not initialised
#include "../common.h"


ASM_PROGRAM("xdp", stack_uninit_read) {
  asm volatile(
      "r0 = *(u64 *)(r10 - 8);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
