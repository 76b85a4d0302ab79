// An 8-byte atomic at offset 5 of a map value (found by fuzz_verifier: the checked mode faults).
// EXPECT: atomic operation of 8 bytes at r0 + 5 may be misaligned
#include "../common.h"
struct pair {
  __u64 a, b;
};
ARRAY_MAP(values, struct pair, 1);

ASM_PROGRAM("xdp", atomic_misaligned) {
  asm volatile(
      "r1 = 0;\n"
      "*(u32 *)(r10 - 4) = r1;\n"
      "r2 = r10;\n"
      "r2 += -4;\n"
      "r1 = %[values] ll;\n"
      "call 1;\n"
      "if r0 == 0 goto out_%=;\n"
      "r1 = 16;\n"
      "lock *(u64 *)(r0 + 5) += r1;\n"
      "out_%=:\n"
      "r0 = 2;\n"
      "exit;\n"
      :: [values] "i"(&values)
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
