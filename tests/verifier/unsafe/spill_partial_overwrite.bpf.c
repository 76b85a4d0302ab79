// A spilled context pointer is partially overwritten, then dereferenced.
// EXPECT: read of 4 bytes at r1 + 0: r1 is not a pointer to memory
#include "../common.h"


ASM_PROGRAM("xdp", spill_partial_overwrite) {
  asm volatile(
      "*(u64 *)(r10 - 8) = r1;\n"
      "r2 = 0;\n"
      "*(u8 *)(r10 - 8) = r2;\n"
      "r1 = *(u64 *)(r10 - 8);\n"
      "r0 = *(u32 *)(r1 + 0);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
