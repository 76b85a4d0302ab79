// A stack slot holds 0 on one path and 600 on the other; it becomes a stack offset after the join.
// EXPECT: read of 1 bytes at r2 + 0 is outside the stack
#include "../common.h"


ASM_PROGRAM("xdp", bypass_pruning_stack_slot) {
  asm volatile(
      "call 7;\n"
      "r1 = 0;\n"
      "*(u64 *)(r10 - 8) = r1;\n"
      "if r0 > 5 goto +2;\n"
      "r1 = 600;\n"
      "*(u64 *)(r10 - 8) = r1;\n"
      "r1 = *(u64 *)(r10 - 8);\n"
      "r2 = r10;\n"
      "r2 += -8;\n"
      "r2 -= r1;\n"
      "r0 = *(u8 *)(r2 + 0);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
