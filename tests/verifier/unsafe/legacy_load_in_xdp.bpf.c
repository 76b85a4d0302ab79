// Legacy packet loads (ld_abs) only exist for __sk_buff contexts.
// EXPECT: legacy packet loads (ld_abs/ld_ind) need a __sk_buff context
#include "../common.h"


ASM_PROGRAM("xdp", legacy_load_in_xdp) {
  asm volatile(
      "r6 = r1;\n"
      "r0 = *(u8 *)skb[12];\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
