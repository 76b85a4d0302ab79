// Atomic read-modify-write operations on map values and globals, 32- and 64-bit: add (with and
// without using the result), or/and/xor (fetching and not), exchange and compare-and-exchange.
// At -mcpu=v1/v2 only the non-fetching add exists; the others need v3 (and the fetch forms
// are compiled only there: the build passes -DXBPF_MCPU=N, as clang 14 has no
// __BPF_CPU_VERSION__).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct stats {
  __u64 packets;
  __u64 bytes;
  __u32 flags32;
  __u32 max_len32;
  __u64 flags64;
  __u64 owner;
  __u32 generation;
  __u32 errors;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, struct stats);
} stats_map SEC(".maps");

__u64 global_packets;
__u32 global_errors;
__u64 lock_word;

SEC("xdp")
int xdp_atomics(struct xdp_md* ctx) {
  const __u32 len = ctx->data_end - ctx->data;
  __u32 key = ctx->rx_queue_index & 3;
  struct stats* s = bpf_map_lookup_elem(&stats_map, &key);
  if (!s) {
    __sync_fetch_and_add(&global_errors, 1);
    return XDP_PASS;
  }
  // Result unused: plain atomic add (xadd), available since v1.
  __sync_fetch_and_add(&s->packets, 1);
  __sync_fetch_and_add(&s->bytes, len);
  __sync_fetch_and_add(&global_packets, 1);
  __sync_fetch_and_add(&s->errors, len > 1500);
#if XBPF_MCPU >= 3
  // Results unused: lock or/and/xor.
  __sync_fetch_and_or(&s->flags64, 1ULL << (len & 63));
  __sync_fetch_and_and(&s->flags64, ~0x8000000000000000ULL);
  __sync_fetch_and_xor(&s->flags32, len);
  __sync_fetch_and_or(&s->flags32, 0x100);
  __sync_fetch_and_and(&s->flags32, 0xfffffff0);
  __atomic_fetch_xor(&s->flags64, ctx->ingress_ifindex, __ATOMIC_RELAXED);
  // Results used: the fetch forms.
  const __u64 before = __sync_fetch_and_add(&s->bytes, 64);
  const __u32 gen = __atomic_fetch_add(&s->generation, 1, __ATOMIC_SEQ_CST);
  const __u64 old_flags = __atomic_fetch_or(&s->flags64, 2, __ATOMIC_SEQ_CST);
  const __u32 old_flags32 = __atomic_fetch_and(&s->flags32, ~1U, __ATOMIC_SEQ_CST);
  const __u64 old_flags64 = __atomic_fetch_and(&s->flags64, ~4ULL, __ATOMIC_SEQ_CST);
  const __u32 toggled = __atomic_fetch_xor(&s->flags32, 8, __ATOMIC_SEQ_CST);
  const __u64 toggled64 = __sync_fetch_and_xor(&s->flags64, 16);
  // Exchange and compare-and-exchange, both widths.
  const __u64 previous_owner = __atomic_exchange_n(&s->owner, ctx->ingress_ifindex,
                                                   __ATOMIC_SEQ_CST);
  const __u32 old_max = __atomic_exchange_n(&s->max_len32, len, __ATOMIC_SEQ_CST);
  __u32 expected = old_max;
  __atomic_compare_exchange_n(&s->max_len32, &expected, len > old_max ? len : old_max, 0,
                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  const __u64 locked = __sync_val_compare_and_swap(&lock_word, 0, 1);
  if (__sync_bool_compare_and_swap(&s->owner, previous_owner, 0)) lock_word = 0;
  if ((before ^ gen ^ old_flags ^ old_flags32 ^ old_flags64 ^ toggled ^ toggled64 ^ locked) ==
      0x1234)
    return XDP_DROP;
#endif
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
