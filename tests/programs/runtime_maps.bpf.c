// Map operations from a program on hash, array, per-CPU and LRU maps: the return code of every
// update and delete (the errno values of the edge cases included) and the values read back.
// LRU eviction is reduced to what Linux guarantees: updates succeed, the newest key is there,
// no more than max_entries keys remain. Slots: enum maps_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} array SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} percpu_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} percpu_array SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} lru SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} lru_percpu SEC(".maps");

static __always_inline int update(void *map, __u32 key, __u64 value, __u64 flags) {
  return bpf_map_update_elem(map, &key, &value, flags);
}

static __always_inline int erase(void *map, __u32 key) { return bpf_map_delete_elem(map, &key); }

static __always_inline __u64 *find(void *map, __u32 key) { return bpf_map_lookup_elem(map, &key); }

static __always_inline __s32 value_or(void *map, __u32 key, __s32 missing) {
  __u64 *value = find(map, key);
  return value ? (__s32)*value : missing;
}

static __noinline void hash_ops(struct results *r) {
  int sum = 0;
  for (__u32 key = 1; key <= 4; key++) sum += update(&hash, key, key * 100, BPF_ANY);
  r->v[MAPS_HASH_INSERT] = sum;
  r->v[MAPS_HASH_FULL] = update(&hash, 5, 500, BPF_ANY);
  r->v[MAPS_HASH_REPLACE_FULL] = update(&hash, 2, 2000, BPF_ANY);
  r->v[MAPS_HASH_NOEXIST] = update(&hash, 3, 3000, BPF_NOEXIST);
  r->v[MAPS_HASH_EXIST_MISSING] = update(&hash, 9, 9000, BPF_EXIST);
  r->v[MAPS_HASH_BAD_FLAGS] = update(&hash, 3, 3000, 8);
  r->v[MAPS_HASH_LOCK_NO_LOCK] = update(&hash, 3, 3000, BPF_F_LOCK);
  r->v[MAPS_HASH_VALUE] = value_or(&hash, 2, -1);
  r->v[MAPS_HASH_MISSING] = find(&hash, 7) == 0;
  r->v[MAPS_HASH_DELETE] = erase(&hash, 1);
  r->v[MAPS_HASH_DELETE_AGAIN] = erase(&hash, 1);
  r->v[MAPS_HASH_AFTER_DELETE] = update(&hash, 5, 42, BPF_NOEXIST);
  __u64 *five = find(&hash, 5);
  if (five) *five += 1;
  r->v[MAPS_HASH_IN_PLACE] = value_or(&hash, 5, -1);
}

static __noinline void array_ops(struct results *r) {
  r->v[MAPS_ARRAY_UPDATE] = update(&array, 3, 33, BPF_ANY);
  r->v[MAPS_ARRAY_OUT_OF_RANGE] = update(&array, 4, 44, BPF_ANY);
  r->v[MAPS_ARRAY_NOEXIST] = update(&array, 2, 22, BPF_NOEXIST);
  r->v[MAPS_ARRAY_RANGE_NOEXIST] = update(&array, 4, 44, BPF_NOEXIST);
  r->v[MAPS_ARRAY_DELETE] = erase(&array, 3);
  r->v[MAPS_ARRAY_LOOKUP_OUT] = find(&array, 4) == 0;
  int sum = 0;
  for (__u32 i = 0; i < 4; i++) sum += value_or(&array, i, 1000);
  r->v[MAPS_ARRAY_SUM] = sum + (value_or(&array, 0, 1) == 0 ? 100 : 0);
  r->v[MAPS_ARRAY_LOCK_NO_LOCK] = update(&array, 1, 1, BPF_F_LOCK);
}

static __noinline void percpu_ops(struct results *r) {
  r->v[MAPS_PERCPU_HASH_UPDATE] = update(&percpu_hash, 1, 11, BPF_ANY);
  __u64 *value = find(&percpu_hash, 1);
  if (value) *value += 1;
  r->v[MAPS_PERCPU_HASH_VALUE] = value_or(&percpu_hash, 1, -1);
  update(&percpu_array, 1, 21, BPF_ANY);
  value = find(&percpu_array, 1);
  if (value) *value += 2;
  r->v[MAPS_PERCPU_ARRAY_VALUE] = value_or(&percpu_array, 1, -1);
  r->v[MAPS_PERCPU_ARRAY_OUT] = update(&percpu_array, 2, 1, BPF_ANY);
}

static __noinline void lru_ops(struct results *r) {
  int sum = 0;
  for (__u32 key = 1; key <= 8; key++) sum += update(&lru, key, key, BPF_ANY);
  r->v[MAPS_LRU_INSERT] = sum;
  r->v[MAPS_LRU_LAST_FOUND] = value_or(&lru, 8, -1) == 8;
  int present = 0;
  for (__u32 key = 1; key <= 8; key++) present += find(&lru, key) != 0;
  r->v[MAPS_LRU_AT_MOST_MAX] = present >= 1 && present <= 4;
  // Linux takes a free element (evicting one) before it looks the key up, so the newest key
  // may be the one evicted: -EEXIST or 0.
  const int noexist = update(&lru, 8, 80, BPF_NOEXIST);
  r->v[MAPS_LRU_NOEXIST] = noexist == -17 || noexist == 0;
  r->v[MAPS_LRU_DELETE] = erase(&lru, 8) + erase(&lru, 8);
  r->v[MAPS_LRU_PERCPU_UPDATE] = update(&lru_percpu, 7, 70, BPF_ANY);
  r->v[MAPS_LRU_PERCPU_VALUE] = value_or(&lru_percpu, 7, -1);
  r->v[MAPS_LRU_PERCPU_EXIST] = update(&lru_percpu, 8, 80, BPF_EXIST);
}

SEC("xdp")
int runtime_maps(struct xdp_md *ctx) {
  struct results r = {};
  hash_ops(&r);
  array_ops(&r);
  percpu_ops(&r);
  lru_ops(&r);
  int count = 0;
  for (__u32 key = 1; key <= 9; key++) count += find(&hash, key) != 0;
  r.v[MAPS_HASH_FINAL_COUNT] = count;
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
