// LPM trie lookups with several prefix lengths (and lookup keys with a shorter prefix),
// deletes, full and invalid inserts; queue and stack order, full and empty errors, BPF_EXIST
// replacing the oldest element. Slots: enum lpm_slot in runtime_common.h.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

struct ipv4_key {
  __u32 prefixlen;
  __u8 addr[4];
};

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 8);
  __type(key, struct ipv4_key);
  __type(value, __u32);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, 3);
  __type(value, __u32);
} queue SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_STACK);
  __uint(max_entries, 3);
  __type(value, __u32);
} stack SEC(".maps");

#define IP(a, b, c, d) (((__u32)(d) << 24) | ((__u32)(c) << 16) | ((__u32)(b) << 8) | (__u32)(a))

static __always_inline int route_add(__u32 ip, __u32 prefixlen, __u32 value, __u64 flags) {
  struct ipv4_key key = {.prefixlen = prefixlen};
  __builtin_memcpy(key.addr, &ip, 4);
  return bpf_map_update_elem(&routes, &key, &value, flags);
}

static __always_inline int route_delete(__u32 ip, __u32 prefixlen) {
  struct ipv4_key key = {.prefixlen = prefixlen};
  __builtin_memcpy(key.addr, &ip, 4);
  return bpf_map_delete_elem(&routes, &key);
}

static __noinline int route_find(__u32 ip, __u32 prefixlen) {
  struct ipv4_key key = {.prefixlen = prefixlen};
  __builtin_memcpy(key.addr, &ip, 4);
  __u32 *value = bpf_map_lookup_elem(&routes, &key);
  return value ? (int)*value : -1;
}

static __noinline void lpm_ops(struct results *r) {
  int sum = 0;
  sum += route_add(IP(10, 1, 2, 3), 32, 132, BPF_ANY);
  sum += route_add(IP(10, 1, 2, 0), 24, 124, BPF_ANY);
  sum += route_add(IP(10, 1, 0, 0), 16, 116, BPF_ANY);
  sum += route_add(IP(10, 0, 0, 0), 8, 108, BPF_ANY);
  sum += route_add(IP(0, 0, 0, 0), 0, 100, BPF_ANY);
  sum += route_add(IP(192, 168, 1, 0), 24, 224, BPF_NOEXIST);
  r->v[LPM_INSERT] = sum;
  r->v[LPM_MATCH_32] = route_find(IP(10, 1, 2, 3), 32);
  r->v[LPM_MATCH_24] = route_find(IP(10, 1, 2, 4), 32);
  r->v[LPM_MATCH_16] = route_find(IP(10, 1, 9, 9), 32);
  r->v[LPM_MATCH_8] = route_find(IP(10, 9, 9, 9), 32);
  r->v[LPM_MATCH_0] = route_find(IP(11, 0, 0, 1), 32);
  r->v[LPM_MATCH_SHORT] = route_find(IP(10, 1, 2, 3), 20);
  r->v[LPM_LOOKUP_SHORTER] = route_find(IP(192, 168, 0, 0), 16);
  r->v[LPM_DELETE] = route_delete(IP(10, 1, 0, 0), 16);
  r->v[LPM_DELETE_MISSING] = route_delete(IP(10, 1, 0, 0), 16);
  r->v[LPM_AFTER_DELETE] = route_find(IP(10, 1, 9, 9), 32);
  r->v[LPM_BAD_PREFIX] = route_add(IP(10, 1, 2, 3), 33, 1, BPF_ANY);
  r->v[LPM_NOEXIST] = route_add(IP(10, 1, 2, 0), 24, 1, BPF_NOEXIST);
  r->v[LPM_MATCH_192] = route_find(IP(192, 168, 1, 77), 32);
  r->v[LPM_EXIST_MISSING] = route_add(IP(172, 16, 0, 0), 12, 1, BPF_EXIST);
  // 5 entries now: 3 more fill the trie; a 9th does not fit, a replacement does.
  sum = route_add(IP(172, 16, 0, 0), 12, 312, BPF_ANY);
  sum += route_add(IP(172, 16, 0, 0), 16, 316, BPF_ANY);
  sum += route_add(IP(172, 17, 0, 0), 16, 317, BPF_ANY);
  r->v[LPM_FILL] = sum;
  r->v[LPM_FULL] = route_add(IP(172, 18, 0, 0), 16, 318, BPF_ANY);
  r->v[LPM_REPLACE_FULL] = route_add(IP(172, 16, 0, 0), 16, 416, BPF_ANY);
  r->v[LPM_MATCH_AFTER_FULL] = route_find(IP(172, 16, 5, 5), 32) * 1000 + route_find(IP(172, 31, 5, 5), 32);
}

static __always_inline int push(void *map, __u32 value, __u64 flags) {
  return bpf_map_push_elem(map, &value, flags);
}

static __noinline void queue_ops(struct results *r) {
  r->v[QUEUE_PUSH] = push(&queue, 1, 0) + push(&queue, 2, 0) + push(&queue, 3, 0);
  r->v[QUEUE_PUSH_FULL] = push(&queue, 4, 0);
  r->v[QUEUE_PUSH_EXIST] = push(&queue, 4, BPF_EXIST);
  __u32 value = 0;
  r->v[QUEUE_PEEK] = bpf_map_peek_elem(&queue, &value) == 0 ? (int)value : -1;
  int order = 0;
  for (int i = 0; i < 3; i++) {
    if (bpf_map_pop_elem(&queue, &value) == 0) order = order * 10 + (int)value;
  }
  r->v[QUEUE_POP_ORDER] = order;
  r->v[QUEUE_POP_EMPTY] = bpf_map_pop_elem(&queue, &value);
  r->v[QUEUE_PEEK_EMPTY] = bpf_map_peek_elem(&queue, &value);
  r->v[QUEUE_BAD_FLAGS] = push(&queue, 5, BPF_NOEXIST);
}

static __noinline void stack_ops(struct results *r) {
  r->v[STACK_PUSH] = push(&stack, 1, 0) + push(&stack, 2, 0) + push(&stack, 3, 0);
  r->v[STACK_PUSH_FULL] = push(&stack, 4, 0);
  r->v[STACK_PUSH_EXIST] = push(&stack, 4, BPF_EXIST);
  __u32 value = 0;
  r->v[STACK_PEEK] = bpf_map_peek_elem(&stack, &value) == 0 ? (int)value : -1;
  int order = 0;
  for (int i = 0; i < 3; i++) {
    if (bpf_map_pop_elem(&stack, &value) == 0) order = order * 10 + (int)value;
  }
  r->v[STACK_POP_ORDER] = order;
  r->v[STACK_POP_EMPTY] = bpf_map_pop_elem(&stack, &value);
}

SEC("xdp")
int runtime_lpm_queue(struct xdp_md *ctx) {
  struct results r = {};
  lpm_ops(&r);
  queue_ops(&r);
  stack_ops(&r);
  return STORE_XDP_RESULTS(ctx, &r) ? XDP_PASS : XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
