// Map records as the kernel's samples/bpf (bpf_load.c) wrote them: struct bpf_map_def with
// inner_map_idx and numa_node (28 bytes), one map per section named "maps/NAME"; a
// map-in-map names its inner map by its index among the object's maps.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
  unsigned int type;
  unsigned int key_size;
  unsigned int value_size;
  unsigned int max_entries;
  unsigned int map_flags;
  unsigned int inner_map_idx;
  unsigned int numa_node;
};

struct bpf_map_def SEC("maps/outer") outer = {
    .type = BPF_MAP_TYPE_HASH_OF_MAPS,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u32),
    .max_entries = 8,
    .inner_map_idx = 1,  // inner_template, the next map
};

struct bpf_map_def SEC("maps/inner_template") inner_template = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u32),
    .max_entries = 16,
};

struct bpf_map_def SEC("maps/numa") numa = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u32),
    .max_entries = 8,
    .map_flags = BPF_F_NUMA_NODE,
    .numa_node = 1,  // not a pinning: the flag says so
};

SEC("socket")
int lookup(struct __sk_buff* skb) {
  __u32 key = skb->protocol;
  void* inner = bpf_map_lookup_elem(&outer, &key);
  if (!inner) return 0;
  __u32 zero = 0;
  __u32* value = bpf_map_lookup_elem(inner, &zero);
  __u32* other = bpf_map_lookup_elem(&numa, &zero);
  return (value ? *value : 0) + (other ? *other : 0);
}

char LICENSE[] SEC("license") = "GPL";
