// Only half of an 8-byte value was written before bpf_map_update_elem.
// EXPECT: argument 3 of bpf_map_update_elem (8 value bytes) reads stack byte r10 - 12, which is not initialised
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

ASM_PROGRAM("xdp", stack_partial_value) {
  asm volatile(
      "r1 = 0;\n"
      "*(u32 *)(r10 - 4) = r1;\n"
      "*(u32 *)(r10 - 16) = r1;\n"
      "r2 = r10;\n"
      "r2 += -4;\n"
      "r3 = r10;\n"
      "r3 += -16;\n"
      "r4 = 0;\n"
      "r1 = %[values] ll;\n"
      "call 2;\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [values] "i"(&values)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
