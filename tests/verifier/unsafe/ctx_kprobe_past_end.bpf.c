// Reads past the end of struct pt_regs (168 bytes on x86-64).
// EXPECT: read of 8 bytes at r1 + 168 is outside the context
#include "../common.h"


ASM_PROGRAM("kprobe/do_sys_open", ctx_kprobe_past_end) {
  asm volatile(
      "r0 = *(u64 *)(r1 + 168);\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
