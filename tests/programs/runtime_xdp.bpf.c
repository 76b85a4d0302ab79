// The XDP frame helpers: xdp_get_buff_len, xdp_load_bytes / xdp_store_bytes (and their
// errors), xdp_adjust_meta, xdp_adjust_head and xdp_adjust_tail at and past their limits,
// with data_out showing the final frame (metadata first). The results go RESULT_OFFSET bytes
// after the final `data`. Slots: enum xdp_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

#define XDP_FRAME_SIZE 40  // sizeof(struct xdp_frame): adjust_head/meta keep it free

// Pointer differences, kept opaque so that clang does not fold them into arithmetic on
// data_end (which the verifier refuses).
static __always_inline int opaque(long value) {
  asm volatile("" : "+r"(value));
  return value;
}
static __always_inline int length(struct xdp_md *ctx) {
  return opaque((void *)(long)ctx->data_end - (void *)(long)ctx->data);
}
static __always_inline int meta_length(struct xdp_md *ctx) {
  return opaque((void *)(long)ctx->data - (void *)(long)ctx->data_meta);
}

static __noinline void bytes(struct xdp_md *ctx, struct results *r) {
  const int len = bpf_xdp_get_buff_len(ctx);
  r->v[XDP_BUFF_LEN] = len;
  __u16 proto = 0;
  r->v[XDP_LOAD] = bpf_xdp_load_bytes(ctx, 12, &proto, sizeof proto);
  r->v[XDP_LOAD_VALUE] = bpf_ntohs(proto);
  __u32 word = 0;
  r->v[XDP_LOAD_OUT] = bpf_xdp_load_bytes(ctx, len - 2, &word, sizeof word);
  r->v[XDP_LOAD_HUGE_OFFSET] = bpf_xdp_load_bytes(ctx, 0x10000, &word, sizeof word);
  __u32 marker = 0xd4c3b2a1;
  r->v[XDP_STORE] = bpf_xdp_store_bytes(ctx, 40, &marker, sizeof marker);
  r->v[XDP_STORE_OUT] = bpf_xdp_store_bytes(ctx, len - 1, &marker, sizeof marker);
  r->v[XDP_INGRESS_IFINDEX] = ctx->ingress_ifindex;
  r->v[XDP_RX_QUEUE] = ctx->rx_queue_index;
}

static __noinline void meta(struct xdp_md *ctx, struct results *r) {
  const int initial = meta_length(ctx);
  r->v[XDP_META_INITIAL] = initial;
  r->v[XDP_META_GROW] = bpf_xdp_adjust_meta(ctx, -8);
  r->v[XDP_META_UNALIGNED] = bpf_xdp_adjust_meta(ctx, -2);
  r->v[XDP_META_TOO_FAR] = bpf_xdp_adjust_meta(ctx, meta_length(ctx) + 4);
  // data_meta would land 4 bytes before the end of the xdp_frame at the frame's start.
  r->v[XDP_META_HEADROOM] = bpf_xdp_adjust_meta(ctx, -(256 - XDP_FRAME_SIZE - meta_length(ctx)) - 4);
  // As much metadata as the headroom allows (Linux's limit is 255 bytes, beyond the headroom).
  r->v[XDP_META_MAX] = bpf_xdp_adjust_meta(ctx, -(256 - XDP_FRAME_SIZE - meta_length(ctx)));
  r->v[XDP_META_MAX_LEN] = meta_length(ctx);
  r->v[XDP_META_SHRINK] = bpf_xdp_adjust_meta(ctx, meta_length(ctx) - 8);
  r->v[XDP_META_LEN] = meta_length(ctx);
  void *data = (void *)(long)ctx->data;
  __u32 *m = (void *)(long)ctx->data_meta;
  if ((void *)(m + 1) <= data) *m = 0xfeedf00d;
}

static __noinline void head(struct xdp_md *ctx, struct results *r) {
  const int len = length(ctx);
  r->v[XDP_HEAD_GROW] = bpf_xdp_adjust_head(ctx, -16);
  r->v[XDP_HEAD_LEN] = length(ctx) - len;
  // data (now 240 bytes into the frame) may go down to sizeof(struct xdp_frame) + metadata.
  const int room = 240 - XDP_FRAME_SIZE - meta_length(ctx);
  r->v[XDP_HEAD_TOO_FAR] = bpf_xdp_adjust_head(ctx, -room - 4);
  r->v[XDP_HEAD_LIMIT] = bpf_xdp_adjust_head(ctx, -room);
  r->v[XDP_HEAD_LIMIT_LEN] = length(ctx) - len;
  r->v[XDP_HEAD_BACK] = bpf_xdp_adjust_head(ctx, room);
  r->v[XDP_HEAD_SHRINK_ALL] = bpf_xdp_adjust_head(ctx, length(ctx) - 13);
  r->v[XDP_HEAD_SHRINK_TO_ETH] = bpf_xdp_adjust_head(ctx, 0);
}

static __noinline void tail(struct xdp_md *ctx, struct results *r) {
  const int len = length(ctx);
  r->v[XDP_TAIL_GROW] = bpf_xdp_adjust_tail(ctx, 20);
  int zero = 1;
  for (int i = 0; i < 20; i++) {
    __u8 byte = 1;
    if (bpf_xdp_load_bytes(ctx, len + i, &byte, 1) != 0 || byte != 0) zero = 0;
  }
  r->v[XDP_TAIL_ZEROED] = zero * 100 + (length(ctx) - len);
  r->v[XDP_TAIL_SHRINK] = bpf_xdp_adjust_tail(ctx, -30);
  r->v[XDP_TAIL_TOO_BIG] = bpf_xdp_adjust_tail(ctx, 4096);
  r->v[XDP_TAIL_TOO_SMALL] = bpf_xdp_adjust_tail(ctx, -(length(ctx) - 13));
  // Up to the end of the frame: data_end may reach frame + 4096 - 320 (skb_shared_info).
  r->v[XDP_TAIL_MAX] = bpf_xdp_adjust_tail(ctx, 4096 - 320 - 256 - length(ctx) + 16);
  r->v[XDP_TAIL_MAX_OVER] = bpf_xdp_adjust_tail(ctx, 1);
  r->v[XDP_TAIL_MAX_LEN] = length(ctx);
  r->v[XDP_TAIL_RESTORE] = bpf_xdp_adjust_tail(ctx, len - 10 - length(ctx));
}

SEC("xdp")
int runtime_xdp(struct xdp_md *ctx) {
  struct results r = {};
  bytes(ctx, &r);
  meta(ctx, &r);
  head(ctx, &r);
  tail(ctx, &r);
  r.v[XDP_FINAL_LEN] = bpf_xdp_get_buff_len(ctx);
  void *data = (void *)(long)ctx->data;
  __u32 *m = (void *)(long)ctx->data_meta;
  if ((void *)(m + 1) <= data) r.v[XDP_META_READ] = *m;
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_TX : XDP_ABORTED;
}

// Grows the metadata by 4 and the head by 8, writes a marker in both and passes: data_out is
// then 12 bytes longer than data_in, starting with the metadata.
SEC("xdp")
int xdp_grow(struct xdp_md *ctx) {
  if (bpf_xdp_adjust_meta(ctx, -4) != 0) return XDP_ABORTED;
  if (bpf_xdp_adjust_head(ctx, -8) != 0) return XDP_ABORTED;
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  __u32 *m = (void *)(long)ctx->data_meta;
  if ((void *)(m + 1) > data || data + 8 > end) return XDP_ABORTED;
  *m = 0x01020304;
  __builtin_memset(data, 0xee, 8);
  return XDP_PASS;
}

// Shrinks the frame to 100 bytes at the tail and drops the Ethernet header at the head.
SEC("xdp")
int xdp_shrink(struct xdp_md *ctx) {
  const int len = length(ctx);
  if (bpf_xdp_adjust_tail(ctx, 100 - len) != 0) return XDP_ABORTED;
  if (bpf_xdp_adjust_head(ctx, 14) != 0) return XDP_ABORTED;
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
