// Ring buffer reserve, submit, discard, output and query (positions, available data, the
// errors of bad flags and records that do not fit); bpf_perf_event_output on a perf event
// array with no perf event open (Linux: -ENOENT), out of range and with bad flags. The perf
// event array leaves max_entries to the loader (libbpf: the number of possible CPUs).
// Slots: enum ringbuf_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} ring SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct sample {
  __u32 kind;
  __u32 length;
  __u64 tag;
};

struct big_sample {
  __u64 words[5];
};

__u8 blob[1000];

static __noinline void ringbuf_ops(struct results *r, __u32 length) {
  r->v[RB_QUERY_SIZE] = bpf_ringbuf_query(&ring, BPF_RB_RING_SIZE);
  r->v[RB_QUERY_EMPTY] = bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA);
  struct sample *s = bpf_ringbuf_reserve(&ring, sizeof(struct sample), 0);
  r->v[RB_RESERVE_OK] = s != 0;
  if (s) {
    r->v[RB_PROD_AFTER_RESERVE] = bpf_ringbuf_query(&ring, BPF_RB_PROD_POS);
    r->v[RB_AVAIL_RESERVED] = bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA);
    s->kind = 1;
    s->length = length;
    s->tag = 0x1122334455667788ULL;
    bpf_ringbuf_submit(s, 0);
  }
  r->v[RB_AVAIL_SUBMITTED] = bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA);
  struct big_sample *b = bpf_ringbuf_reserve(&ring, sizeof(struct big_sample), 0);
  if (b) {
    b->words[0] = 1;
    bpf_ringbuf_discard(b, BPF_RB_NO_WAKEUP);
  }
  r->v[RB_DISCARD] = bpf_ringbuf_query(&ring, BPF_RB_PROD_POS);
  __u8 bytes[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  r->v[RB_OUTPUT] = bpf_ringbuf_output(&ring, bytes, sizeof bytes, BPF_RB_NO_WAKEUP);
  r->v[RB_PROD_POS] = bpf_ringbuf_query(&ring, BPF_RB_PROD_POS);
  r->v[RB_CONS_POS] = bpf_ringbuf_query(&ring, BPF_RB_CONS_POS);
  r->v[RB_OUTPUT_BAD_FLAGS] = bpf_ringbuf_output(&ring, bytes, sizeof bytes, 4);
  void *huge = bpf_ringbuf_reserve(&ring, 8192, 0);
  r->v[RB_RESERVE_TOO_BIG] = huge == 0;
  if (huge) bpf_ringbuf_discard(huge, 0);
  void *flagged = bpf_ringbuf_reserve(&ring, 8, 1);
  r->v[RB_RESERVE_BAD_FLAGS] = flagged == 0;
  if (flagged) bpf_ringbuf_discard(flagged, 0);
  int fitted = 0;
  int error = 0;
  for (int i = 0; i < 5; i++) {
    error = bpf_ringbuf_output(&ring, blob, sizeof blob, BPF_RB_NO_WAKEUP);
    if (error) break;
    fitted++;
  }
  r->v[RB_FILL] = fitted;
  r->v[RB_FILL_ERROR] = error;
  r->v[RB_AVAIL_FULL] = bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA);
  r->v[RB_QUERY_BAD] = bpf_ringbuf_query(&ring, 99);
  // An empty sample: a header alone.
  void *empty = bpf_ringbuf_reserve(&ring, 0, 0);
  r->v[RB_RESERVE_ZERO] = empty != 0;
  if (empty) bpf_ringbuf_submit(empty, BPF_RB_NO_WAKEUP);
  r->v[RB_PROD_AFTER_ZERO] = bpf_ringbuf_query(&ring, BPF_RB_PROD_POS);
}

static __noinline void perf_ops(struct xdp_md *ctx, struct results *r) {
  struct sample s = {.kind = 2, .length = 3, .tag = 4};
  r->v[PERF_OUTPUT] = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &s, sizeof s);
  r->v[PERF_OUTPUT_INDEX] = bpf_perf_event_output(ctx, &events, 1000, &s, sizeof s);
  r->v[PERF_OUTPUT_BAD_FLAGS] = bpf_perf_event_output(ctx, &events, 1ULL << 60, &s, sizeof s);
  r->v[PERF_OUTPUT_CTXLEN] = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU | (64ULL << 32), &s, sizeof s);
  r->v[PERF_OUTPUT_CTXLEN_BIG] =
      bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU | (65535ULL << 32), &s, sizeof s);
  r->v[PERF_OUTPUT_BAD_FLAGS_BIG] =
      bpf_perf_event_output(ctx, &events, (1ULL << 60) | (65535ULL << 32), &s, sizeof s);
}

SEC("xdp")
int runtime_ringbuf(struct xdp_md *ctx) {
  struct results r = {};
  ringbuf_ops(&r, ctx->data_end - ctx->data);
  perf_ops(ctx, &r);
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
