// Writes a reservation without checking it for NULL.
// EXPECT: write of 8 bytes at r0 + 0: r0 may be NULL
#include "../common.h"
RINGBUF(events);

ASM_PROGRAM("xdp", ringbuf_null_deref) {
  asm volatile(
      "r1 = %[events] ll;\n"
      "r2 = 8;\n"
      "r3 = 0;\n"
      "call 131;\n"
      "r1 = 0;\n"
      "*(u64 *)(r0 + 0) = r1;\n"
      "r1 = r0;\n"
      "r2 = 0;\n"
      "call 132;\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [events] "i"(&events)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
