// A tracepoint reading its record and the current task's identity.
#include "../common.h"

struct sys_enter_record {
  __u64 common;
  long id;
  unsigned long args[6];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
} syscalls SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int prog_tracepoint(struct sys_enter_record* record) {
  __u32 pid = bpf_get_current_pid_tgid() >> 32;
  char comm[16];
  bpf_get_current_comm(comm, sizeof(comm));
  if (comm[0] == 0) return 0;
  __u64 id = record->id + record->args[0];
  bpf_map_update_elem(&syscalls, &pid, &id, BPF_ANY);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
