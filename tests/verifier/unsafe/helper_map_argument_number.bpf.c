// bpf_map_lookup_elem with a number as the map.
// EXPECT: argument 1 of bpf_map_lookup_elem must be a map
#include "../common.h"


ASM_PROGRAM("xdp", helper_map_argument_number) {
  asm volatile(
      "r1 = 0;\n"
      "*(u32 *)(r10 - 4) = r1;\n"
      "r2 = r10;\n"
      "r2 += -4;\n"
      "call 1;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
