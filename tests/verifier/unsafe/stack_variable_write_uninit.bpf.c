// A write at a variable stack offset (r10-16 or r10-8) does not initialise both slots.
// EXPECT: read of 8 bytes at r10 - 16 reads stack byte r10 - 16, which is not initialised
#include "../common.h"


ASM_PROGRAM("xdp", stack_variable_write_uninit) {
  asm volatile(
      "call 7;\n"
      "r0 &= 8;\n"
      "r2 = r10;\n"
      "r2 += r0;\n"
      "r1 = 0;\n"
      "*(u64 *)(r2 - 16) = r1;\n"
      "r0 = *(u64 *)(r10 - 16);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
