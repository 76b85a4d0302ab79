// A kprobe reading its pt_regs context and kernel memory through bpf_probe_read_kernel.
#include "../common.h"
#include <asm/ptrace.h>

COUNTER_ARRAY(calls, 1);

SEC("kprobe/do_sys_open")
int prog_kprobe(struct pt_regs* regs) {
  unsigned long path = regs->rsi;
  char first[8] = {};
  bpf_probe_read_kernel(first, sizeof(first), (void*)path);
  if (first[0] == '/') bump(&calls, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
