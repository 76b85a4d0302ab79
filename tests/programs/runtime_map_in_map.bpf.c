// Maps of maps with inner definitions and initial values (__array(values)): an array of
// arrays, a hash of hashes and a hash of arrays. The program finds the inner maps through the
// outer ones, writes and reads them both ways, and checks missing and out-of-range slots.
// Slots: enum mim_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

struct inner_array {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 8);
  __type(key, __u32);
  __type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 3);
  __type(key, __u32);
  __array(values, struct inner_array);
} outer_array SEC(".maps") = {
    .values = {[0] = &inner_a, [1] = &inner_b},
};

struct inner_hash {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 3);
  __type(key, __u32);
  __type(value, __u32);
} inner_h SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
  __uint(max_entries, 8);
  __type(key, __u32);
  __array(values, struct inner_hash);
} outer_hash SEC(".maps") = {
    .values = {[7] = &inner_h},
};

struct small_array {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} inner_c SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
  __uint(max_entries, 16);
  __type(key, __u32);
  __array(values, struct small_array);
} outer_hash_arrays SEC(".maps") = {
    .values = {[9] = &inner_c},
};

static __always_inline int put(void *map, __u32 key, __u32 value) {
  return bpf_map_update_elem(map, &key, &value, BPF_ANY);
}

static __always_inline int get(void *map, __u32 key) {
  __u32 *value = bpf_map_lookup_elem(map, &key);
  return value ? (int)*value : -1;
}

static __always_inline void *outer(void *map, __u32 key) { return bpf_map_lookup_elem(map, &key); }

SEC("xdp")
int runtime_map_in_map(struct xdp_md *ctx) {
  struct results r = {};
  void *a0 = outer(&outer_array, 0);
  void *a1 = outer(&outer_array, 1);
  r.v[MIM_OUTER_ARRAY_0] = a0 != 0;
  r.v[MIM_OUTER_ARRAY_1] = a1 != 0;
  r.v[MIM_OUTER_ARRAY_2] = outer(&outer_array, 2) == 0;
  r.v[MIM_OUTER_ARRAY_OUT] = outer(&outer_array, 3) == 0;
  if (a0) {
    r.v[MIM_INNER_A_WRITE] = put(a0, 1, 101);
    r.v[MIM_INNER_OUT] = put(a0, 8, 1);
  }
  if (a1) {
    r.v[MIM_INNER_B_WRITE] = put(a1, 1, 202);
    r.v[MIM_INNER_B_READ] = get(a1, 1);
  }
  r.v[MIM_INNER_A_READ] = get(&inner_a, 1);
  r.v[MIM_INNER_B_DIRECT] = get(&inner_b, 1);

  void *h = outer(&outer_hash, 7);
  r.v[MIM_HASH_FOUND] = h != 0;
  r.v[MIM_HASH_MISSING] = outer(&outer_hash, 6) == 0;
  if (h) {
    int sum = put(h, 1, 100) + put(h, 2, 200) + put(h, 3, 300);
    r.v[MIM_HASH_INNER_FULL] = put(h, 4, 400);
    sum += get(h, 1) + get(h, 2) + get(h, 3);
    r.v[MIM_HASH_INNER] = sum;
  }
  r.v[MIM_HASH_INNER_DIRECT] = get(&inner_h, 2);

  void *c = outer(&outer_hash_arrays, 9);
  if (c) {
    put(c, 0, 909);
    r.v[MIM_HASH_OF_ARRAY] = get(&inner_c, 0);
  }
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
