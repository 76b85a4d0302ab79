// A packet pointer from before bpf_skb_pull_data is used after it.
// EXPECT: r7 is read before it is initialised
#include "../common.h"


ASM_PROGRAM("tc", packet_stale_after_pull_data) {
  asm volatile(
      "r6 = r1;\n"
      "r7 = *(u32 *)(r6 + 76);\n"
      "r3 = *(u32 *)(r6 + 80);\n"
      "r4 = r7;\n"
      "r4 += 8;\n"
      "if r4 > r3 goto out_%=;\n"
      "r1 = r6;\n"
      "r2 = 64;\n"
      "call 39;\n"
      "r0 = *(u64 *)(r7 + 0);\n"
      "out_%=:\n"
      "r0 = 0;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
