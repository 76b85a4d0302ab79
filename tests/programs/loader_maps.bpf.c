// Map definitions the loader reads: BTF-defined maps of several kinds (hash, array with a
// spin lock in its value, per-CPU array, LRU hash, ring buffer), map-in-map with an inner
// definition given by __array, and a program array with initial values.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counter {
  __u64 packets;
  struct bpf_spin_lock lock;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
  __uint(map_flags, BPF_F_NO_PREALLOC);
} packets_by_port SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, struct counter);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(key_size, 4);
  __uint(value_size, 16);
  __uint(max_entries, 2);
} scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} events SEC(".maps");

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
} outer SEC(".maps") = {
    .values = {[0] = &inner_a, [2] = &inner_b},
};

int tail_target(struct xdp_md* ctx);

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __uint(key_size, sizeof(__u32));
  __array(values, int(void*));
} jump_table SEC(".maps") = {
    .values = {[1] = (void*)&tail_target},
};

SEC("xdp")
int tail_target(struct xdp_md* ctx) { return XDP_PASS; }

SEC("xdp")
int use_maps(struct xdp_md* ctx) {
  __u32 key = 0;
  __u64* count = bpf_map_lookup_elem(&packets_by_port, &key);
  if (count) __sync_fetch_and_add(count, 1);
  struct counter* c = bpf_map_lookup_elem(&counters, &key);
  if (c) {
    bpf_spin_lock(&c->lock);
    c->packets++;
    bpf_spin_unlock(&c->lock);
  }
  void* inner = bpf_map_lookup_elem(&outer, &key);
  if (inner) {
    __u32* v = bpf_map_lookup_elem(inner, &key);
    if (v) *v += 1;
  }
  void* s = bpf_map_lookup_elem(&scratch, &key);
  if (s) *(__u8*)s = 1;
  bpf_ringbuf_output(&events, &key, sizeof(key), 0);
  bpf_tail_call(ctx, &jump_table, 1);
  return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
