// A call to a helper id that does not exist.
// EXPECT: call to helper 9999, which Linux does not have
#include "../common.h"


ASM_PROGRAM("xdp", helper_unknown) {
  asm volatile(
      "call 9999;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
