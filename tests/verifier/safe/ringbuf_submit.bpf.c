// bpf_ringbuf_reserve, fill, submit.
#include "../common.h"

struct event {
  __u32 ifindex;
  __u32 length;
  __u64 time;
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

SEC("xdp")
int ringbuf_submit(struct xdp_md* ctx) {
  struct event* e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) return XDP_PASS;
  e->ifindex = ctx->ingress_ifindex;
  e->length = ctx->data_end - ctx->data;
  e->time = bpf_ktime_get_ns();
  bpf_ringbuf_submit(e, 0);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
