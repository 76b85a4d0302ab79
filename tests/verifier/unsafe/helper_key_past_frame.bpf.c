// A 4-byte key at r10-2 reads past the frame (key_size is 4).
// EXPECT: argument 2 of bpf_map_lookup_elem (4 key bytes) is outside the stack
#include "../common.h"
ARRAY_MAP(values, __u64, 4);

ASM_PROGRAM("xdp", helper_key_past_frame) {
  asm volatile(
      "r1 = 0;\n"
      "*(u16 *)(r10 - 2) = r1;\n"
      "r2 = r10;\n"
      "r2 += -2;\n"
      "r1 = %[values] ll;\n"
      "call 1;\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [values] "i"(&values)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
