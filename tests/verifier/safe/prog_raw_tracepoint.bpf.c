// A raw tracepoint reading its u64 arguments.
#include "../common.h"

COUNTER_ARRAY(seen, 1);

SEC("raw_tracepoint/sched_switch")
int prog_raw_tracepoint(struct bpf_raw_tracepoint_args* args) {
  if (args->args[0] != args->args[1]) bump(&seen, 0);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
