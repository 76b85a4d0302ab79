// A reservation of a variable size cannot be written at offset 8.
// EXPECT: argument 2 of bpf_ringbuf_reserve must be a constant size
#include "../common.h"
RINGBUF(events);

ASM_PROGRAM("xdp", ringbuf_variable_size) {
  asm volatile(
      "call 7;\n"
      "r2 = r0;\n"
      "r2 &= 15;\n"
      "r1 = %[events] ll;\n"
      "r3 = 0;\n"
      "call 131;\n"
      "if r0 == 0 goto out_%=;\n"
      "r1 = 0;\n"
      "*(u64 *)(r0 + 8) = r1;\n"
      "r1 = r0;\n"
      "r2 = 0;\n"
      "call 133;\n"
      "out_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [events] "i"(&events)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
