// Submits the same reservation twice.
// EXPECT: r6 is read before it is initialised
#include "../common.h"
RINGBUF(events);

ASM_PROGRAM("xdp", ringbuf_double_submit) {
  asm volatile(
      "r1 = %[events] ll;\n"
      "r2 = 8;\n"
      "r3 = 0;\n"
      "call 131;\n"
      "if r0 == 0 goto out_%=;\n"
      "r6 = r0;\n"
      "r1 = r6;\n"
      "r2 = 0;\n"
      "call 132;\n"
      "r1 = r6;\n"
      "r2 = 0;\n"
      "call 132;\n"
      "out_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [events] "i"(&events)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
