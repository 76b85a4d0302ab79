// A tracepoint record is read-only.
// EXPECT: write of 8 bytes at r1 + 8: offset 8 of trace event record is not a field
#include "../common.h"


ASM_PROGRAM("tracepoint/syscalls/sys_enter_openat", ctx_write_tracepoint) {
  asm volatile(
      "r2 = 1;\n"
      "*(u64 *)(r1 + 8) = r2;\n"
      "r0 = 0;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
