// Events to user space: each test run of `emit` sends the packet's length through a ring
// buffer (a reserved sample, submitted with the wakeup flags .rodata selects) and a perf event
// array; `discard` reserves a sample and discards it. What the ring and perf buffer tests of
// the libbpf API consume.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
  __u32 length;
  __u32 sequence;
};

const volatile __u64 submit_flags = 0;  // BPF_RB_NO_WAKEUP / BPF_RB_FORCE_WAKEUP
__u32 sequence;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

SEC("xdp")
int emit(struct xdp_md* ctx) {
  struct event e = {(__u32)(ctx->data_end - ctx->data), ++sequence};
  struct event* sample = bpf_ringbuf_reserve(&events, sizeof(struct event), 0);
  if (!sample) return XDP_ABORTED;
  *sample = e;
  bpf_ringbuf_submit(sample, submit_flags);
  bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &e, sizeof e);
  return XDP_PASS;
}

SEC("xdp")
int discard(struct xdp_md* ctx) {
  struct event* sample = bpf_ringbuf_reserve(&events, sizeof(struct event), 0);
  if (!sample) return XDP_ABORTED;
  sample->length = 0;
  bpf_ringbuf_discard(sample, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
