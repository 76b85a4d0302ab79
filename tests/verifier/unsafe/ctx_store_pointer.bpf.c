// Stores a pointer into __sk_buff.cb[0].
// EXPECT: stores a pointer (stack, offset 512) into ctx memory
#include "../common.h"


ASM_PROGRAM("tc", ctx_store_pointer) {
  asm volatile(
      "r2 = r10;\n"
      "*(u32 *)(r1 + 48) = r2;\n"
      "r0 = 0;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
