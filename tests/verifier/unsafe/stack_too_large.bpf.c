// Two frames of 320 bytes each: 640 bytes in all, over the 512-byte budget.
// EXPECT: the combined stack of this call chain is 640 bytes, more than 512
#include "../common.h"

__attribute__((naked, noinline, used)) static void use_320_bytes(void) {
  asm volatile("r1 = 0\n"
               "*(u64 *)(r10 - 320) = r1\n"
               "r0 = 0\n"
               "exit\n" ::: "memory");
}
ASM_PROGRAM("xdp", stack_too_large) {
  asm volatile(
      "r1 = 0;\n"
      "*(u64 *)(r10 - 320) = r1;\n"
      "call use_320_bytes;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
