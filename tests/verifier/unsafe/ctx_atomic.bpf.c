// An atomic operation on the context.
// EXPECT: atomic operation on ctx memory
#include "../common.h"


ASM_PROGRAM("tc", ctx_atomic) {
  asm volatile(
      "r2 = 1;\n"
      "lock *(u32 *)(r1 + 8) += r2;\n"
      "r0 = 0;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
