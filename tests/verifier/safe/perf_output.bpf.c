// bpf_perf_event_output of a stack record from XDP.
#include "../common.h"

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} events SEC(".maps");

SEC("xdp")
int perf_output(struct xdp_md* ctx) {
  __u64 record[2] = {ctx->ingress_ifindex, bpf_ktime_get_ns()};
  bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, record, sizeof(record));
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
