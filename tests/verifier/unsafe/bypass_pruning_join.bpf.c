// One path sets the offset to 0, the other to 16: a verifier that prunes the second path as equivalent misses the write above the frame.
// EXPECT: write of 8 bytes at r2 + 0 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", bypass_pruning_join) {
  asm volatile(
      "call 7;\n"
      "r6 = 0;\n"
      "if r0 > 5 goto +1;\n"
      "goto +1;\n"
      "r6 = 16;\n"
      "r2 = r10;\n"
      "r2 += -8;\n"
      "r2 += r6;\n"
      "r1 = 0;\n"
      "*(u64 *)(r2 + 0) = r1;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
