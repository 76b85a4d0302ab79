// bpf_tail_call while a reservation is held.
// EXPECT: bpf_tail_call while holding a reference
#include "../common.h"
RINGBUF(events);
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} jumps SEC(".maps");

ASM_PROGRAM("xdp", tail_call_holding_reference) {
  asm volatile(
      "r6 = r1;\n"
      "r1 = %[events] ll;\n"
      "r2 = 8;\n"
      "r3 = 0;\n"
      "call 131;\n"
      "if r0 == 0 goto out_%=;\n"
      "r7 = r0;\n"
      "r1 = r6;\n"
      "r2 = %[jumps] ll;\n"
      "r3 = 0;\n"
      "call 12;\n"
      "r1 = r7;\n"
      "r2 = 0;\n"
      "call 133;\n"
      "out_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [events] "i"(&events), [jumps] "i"(&jumps)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
