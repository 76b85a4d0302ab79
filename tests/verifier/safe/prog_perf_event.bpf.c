// perf_event: samples the instruction pointer into a hash map.
#include "../common.h"
#include <linux/bpf_perf_event.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u64);
  __type(value, __u64);
} samples SEC(".maps");

SEC("perf_event")
int prog_perf_event(struct bpf_perf_event_data* ctx) {
  __u64 ip = ctx->regs.rip;
  __u64 one = 1;
  __u64* count = bpf_map_lookup_elem(&samples, &ip);
  if (count) __sync_fetch_and_add(count, 1);
  else bpf_map_update_elem(&samples, &ip, &one, BPF_NOEXIST);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
