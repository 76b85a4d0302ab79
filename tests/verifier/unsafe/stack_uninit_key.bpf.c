// A map key on the stack that was never written.
// EXPECT: argument 2 of bpf_map_lookup_elem (4 key bytes) reads stack byte r10 - 4, which is not initialised
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

ASM_PROGRAM("xdp", stack_uninit_key) {
  asm volatile(
      "r2 = r10;\n"
      "r2 += -4;\n"
      "r1 = %[values] ll;\n"
      "call 1;\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [values] "i"(&values)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
