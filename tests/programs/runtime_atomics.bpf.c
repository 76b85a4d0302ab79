// Atomic operations on map values, .bss and the stack: the add without fetch of every CPU
// version, and at -mcpu=v3 and later the fetch forms of add/or/and/xor, or/and/xor without
// fetch, compare-and-swap (hit and miss) and exchange, 32- and 64-bit; bpf_spin_lock around
// updates of a value in an array and in a hash. Slots: enum atomics_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

struct counters {
  __u64 wide;
  __u32 narrow;
  __u32 negative;
  __u64 bits;
  __u32 plain_bits;
  __u32 pad;
};

struct locked {
  struct bpf_spin_lock lock;
  __u32 count;
  __u64 total;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct counters);
} values SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct locked);
} locked_array SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct locked);
} locked_hash SEC(".maps");

__u64 global_add;

static __noinline void spin_locks(struct results *r) {
  __u32 key = 0;
  struct locked *l = bpf_map_lookup_elem(&locked_array, &key);
  if (l) {
    bpf_spin_lock(&l->lock);
    l->count = 1;
    bpf_spin_unlock(&l->lock);
    bpf_spin_lock(&l->lock);
    l->count += 1;
    l->total += 10;
    bpf_spin_unlock(&l->lock);
    r->v[AT_SPIN_LOCK] = l->count;
  }
  key = 1;
  struct locked init = {.count = 1, .total = 5};
  bpf_map_update_elem(&locked_hash, &key, &init, BPF_ANY);
  l = bpf_map_lookup_elem(&locked_hash, &key);
  if (l) {
    bpf_spin_lock(&l->lock);
    l->count += 2;
    bpf_spin_unlock(&l->lock);
    r->v[AT_SPIN_LOCK_HASH] = l->count;
  }
  // BPF_F_LOCK: the value copied in under its lock (the lock itself is not copied).
  struct locked replacement = {.count = 40, .total = 7};
  r->v[AT_UPDATE_LOCK_HASH] = bpf_map_update_elem(&locked_hash, &key, &replacement, BPF_F_LOCK);
  l = bpf_map_lookup_elem(&locked_hash, &key);
  if (l) r->v[AT_UPDATE_LOCK_HASH] = r->v[AT_UPDATE_LOCK_HASH] * 1000 + l->count;
  key = 0;
  replacement.count = 50;
  r->v[AT_UPDATE_LOCK_ARRAY] = bpf_map_update_elem(&locked_array, &key, &replacement, BPF_F_LOCK);
  l = bpf_map_lookup_elem(&locked_array, &key);
  if (l) r->v[AT_UPDATE_LOCK_ARRAY] = r->v[AT_UPDATE_LOCK_ARRAY] * 1000 + l->count;
  key = 2;
  r->v[AT_UPDATE_LOCK_MISSING] = bpf_map_update_elem(&locked_hash, &key, &replacement, BPF_F_LOCK | BPF_EXIST);
}

SEC("xdp")
int runtime_atomics(struct xdp_md *ctx) {
  struct results r = {};
  __u32 key = 0;
  struct counters *c = bpf_map_lookup_elem(&values, &key);
  if (!c) return XDP_ABORTED;
  c->wide = 100;
  __sync_fetch_and_add(&c->wide, 5);
  r.v[AT_ADD_MAP] = c->wide;
  c->narrow = 7;
  __sync_fetch_and_add(&c->narrow, 3);
  r.v[AT_ADD32_MAP] = c->narrow;
  volatile __u64 slot = 40;
  __sync_fetch_and_add(&slot, 2);
  r.v[AT_ADD_STACK] = slot;
  global_add = 0;
  __sync_fetch_and_add(&global_add, 9);
  r.v[AT_ADD_GLOBAL] = global_add;
#if XBPF_MCPU >= 3
  __u64 old = __sync_fetch_and_add(&c->wide, 10);
  r.v[AT_FETCH_ADD] = old;
  r.v[AT_FETCH_ADD_NEW] = c->wide;
  c->bits = 0xf0;
  r.v[AT_FETCH_OR] = __sync_fetch_and_or(&c->bits, 0x0f);
  r.v[AT_OR_RESULT] = c->bits;
  r.v[AT_FETCH_AND] = __sync_fetch_and_and(&c->bits, 0x3c);
  r.v[AT_AND_RESULT] = c->bits;
  r.v[AT_FETCH_XOR] = __sync_fetch_and_xor(&c->bits, 0xff);
  r.v[AT_XOR_RESULT] = c->bits;
  r.v[AT_CMPXCHG_HIT] = __sync_val_compare_and_swap(&c->bits, 0xc3, 0x77);
  r.v[AT_CMPXCHG_HIT_NEW] = c->bits;
  r.v[AT_CMPXCHG_MISS] = __sync_val_compare_and_swap(&c->bits, 0x1, 0x99);
  r.v[AT_CMPXCHG_MISS_NEW] = c->bits;
  r.v[AT_XCHG] = __atomic_exchange_n(&c->bits, 0x5a5a, __ATOMIC_SEQ_CST);
  r.v[AT_XCHG_NEW] = c->bits;
  volatile __u32 s32 = 42;
  const __u32 before = __sync_val_compare_and_swap(&s32, 42, 43);
  r.v[AT_STACK_CMPXCHG] = before * 100 + s32;
  volatile __u64 s64 = 43;
  r.v[AT_STACK_XCHG64] = __atomic_exchange_n(&s64, 44, __ATOMIC_SEQ_CST) * 100 + s64;
  c->negative = 0;
  const __u32 was = __sync_fetch_and_add(&c->negative, -1);
  r.v[AT_FETCH32_NEG] = was == 0 ? (__s32)c->negative : 99;
  c->plain_bits = 0x10;
  __sync_fetch_and_or(&c->plain_bits, 0x0f);
  __sync_fetch_and_and(&c->plain_bits, 0x3e);
  __sync_fetch_and_xor(&c->plain_bits, 0x30);
  r.v[AT_OR_NO_FETCH] = c->plain_bits;
  r.v[AT_V1_MARK] = 3;
#else
  r.v[AT_V1_MARK] = 1;
#endif
  spin_locks(&r);
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
