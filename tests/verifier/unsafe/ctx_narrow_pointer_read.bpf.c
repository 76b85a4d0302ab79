// A partial read of xdp_md.data (a pointer field).
// EXPECT: read of 2 bytes at r1 + 0: field data holds a pointer and must be read whole
#include "../common.h"


ASM_PROGRAM("xdp", ctx_narrow_pointer_read) {
  asm volatile(
      "r2 = *(u16 *)(r1 + 0);\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
