// A function calling itself.
// EXPECT: recursive call to the function at pc 3
#include "../common.h"

__attribute__((naked, noinline, used)) static void recurse(void) {
  asm volatile("call recurse\n"
               "r0 = 0\n"
               "exit\n" ::: "memory");
}
ASM_PROGRAM("xdp", recursion) {
  asm volatile(
      "call recurse;\n"
      "r0 = 2;\n"
      "exit;\n"
      ::
      : "memory");
}

char LICENSE[] SEC("license") = "GPL";
