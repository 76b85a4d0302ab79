// XDP actions driven by the packet, for the capture tests (tests/unit/xdp_replay_test.cpp):
// frames of EtherType 0x88b5 (local experimental) carry an action in byte 14 and an argument
// in byte 15; every other frame passes unchanged (so the kernel differential test, whose
// frames are IPv4, sees XDP_PASS).
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_DEVMAP);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u32);
} devices SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} runs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u8);
  __type(value, __u64);
} per_tag SEC(".maps");

static __always_inline void put32(__u8 *at, __u32 value) { __builtin_memcpy(at, &value, 4); }

SEC("xdp")
int xdp_actions(struct xdp_md *ctx) {
  __u8 *data = (void *)(long)ctx->data;
  __u8 *end = (void *)(long)ctx->data_end;
  if (data + 24 > end) return XDP_PASS;
  if (data[12] != 0x88 || data[13] != 0xb5) return XDP_PASS;
  __u32 zero = 0;
  __u64 *count = bpf_map_lookup_elem(&runs, &zero);
  if (count) *count += 1;
  const __u8 action = data[14], arg = data[15];
  __u8 tag = data[23];
  __u64 one = 1, *tagged = bpf_map_lookup_elem(&per_tag, &tag);
  // Another CPU may insert the tag between the lookup and the insertion: then count on its
  // entry (several replay workers run this program at once).
  if (!tagged && bpf_map_update_elem(&per_tag, &tag, &one, BPF_NOEXIST) != 0)
    tagged = bpf_map_lookup_elem(&per_tag, &tag);
  if (tagged) __sync_fetch_and_add(tagged, 1);
  switch (action) {
    case 0: case 1: case 2: case 3: case 4: return action;
    case 5: return bpf_redirect(arg, 0);
    case 6: return bpf_redirect_map(&devices, arg, XDP_DROP);
    case 7: {  // 16 bytes more in front, filled with 0xaa, sent back
      if (bpf_xdp_adjust_head(ctx, -16)) return XDP_ABORTED;
      data = (void *)(long)ctx->data;
      end = (void *)(long)ctx->data_end;
      if (data + 16 > end) return XDP_ABORTED;
      __builtin_memset(data, 0xaa, 16);
      return XDP_TX;
    }
    case 8:  // the Ethernet header stripped
      return bpf_xdp_adjust_head(ctx, 14) ? XDP_ABORTED : XDP_PASS;
    case 9:
      return bpf_xdp_adjust_tail(ctx, -(int)arg) ? XDP_ABORTED : XDP_PASS;
    case 10:
      return bpf_xdp_adjust_tail(ctx, arg) ? XDP_ABORTED : XDP_PASS;
    case 11: {  // 8 bytes of metadata written, read back, copied into the packet
      if (bpf_xdp_adjust_meta(ctx, -8)) return XDP_ABORTED;
      __u8 *meta = (void *)(long)ctx->data_meta;
      data = (void *)(long)ctx->data;
      end = (void *)(long)ctx->data_end;
      if (meta + 8 > data || data + 24 > end) return XDP_ABORTED;
      put32(meta, 0x11223344);
      put32(meta + 4, ctx->ingress_ifindex);
      __builtin_memcpy(data + 16, meta, 8);
      return XDP_PASS;
    }
    case 12:
      put32(data + 16, ctx->ingress_ifindex);
      put32(data + 20, ctx->rx_queue_index);
      return XDP_PASS;
    case 13: return 42;
    case 14: {
      __u64 now = bpf_ktime_get_ns();
      __builtin_memcpy(data + 16, &now, 8);
      return XDP_PASS;
    }
    default: return XDP_PASS;
  }
}

char LICENSE[] SEC("license") = "GPL";
