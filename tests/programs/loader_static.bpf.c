// Programs as Falco's own loader takes them: static functions, each in a section of its own,
// that no code calls; and a static helper beside them that one calls, which stays a
// subprogram. libbpf refuses static programs; xbpf loads them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int twice(int value) { return value * 2; }

__attribute__((section("raw_tracepoint/filler/first"), used)) static int first_filler(void* ctx) {
  return twice((int)((unsigned long long*)ctx)[0]);  // args[0] of the tracepoint
}

__attribute__((section("raw_tracepoint/filler/second"), used)) static int second_filler(void* ctx) {
  return 7;
}

char LICENSE[] SEC("license") = "GPL";
