// An object written for iproute2's tc loader, as Cilium's older datapath is: struct
// bpf_elf_map records in SEC("maps") with ids, pinning and map-in-map through inner_id and
// inner_idx, and program sections named as tc names them ("classifier", "2/1") rather than
// as libbpf does.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PIN_NONE 0
#define PIN_OBJECT_NS 1
#define PIN_GLOBAL_NS 2

struct bpf_elf_map {
  __u32 type;
  __u32 size_key;
  __u32 size_value;
  __u32 max_elem;
  __u32 flags;
  __u32 id;
  __u32 pinning;
  __u32 inner_id;
  __u32 inner_idx;
};

// The inner map's template (id 7) is also stored at slot 1 of the outer map.
struct bpf_elf_map SEC("maps") inner_counts = {
    .type = BPF_MAP_TYPE_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u64),
    .max_elem = 4,
    .id = 7,
    .inner_idx = 1,
};

struct bpf_elf_map SEC("maps") outer = {
    .type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u32),
    .max_elem = 2,
    .pinning = PIN_GLOBAL_NS,
    .inner_id = 7,
    .inner_idx = ~0U,
};

struct bpf_elf_map SEC("maps") calls = {
    .type = BPF_MAP_TYPE_PROG_ARRAY,
    .size_key = sizeof(__u32),
    .size_value = sizeof(__u32),
    .max_elem = 4,
    .id = 2,
    .pinning = PIN_OBJECT_NS,
    .inner_idx = ~0U,
};

// Counts packets in the inner map stored at slot 1, then returns what it counted.
SEC("classifier")
int count_packets(struct __sk_buff* skb) {
  __u32 slot = 1, zero = 0;
  void* inner = bpf_map_lookup_elem(&outer, &slot);
  if (!inner) return -1;
  __u64* count = bpf_map_lookup_elem(inner, &zero);
  if (!count) return -2;
  *count += 1;
  bpf_tail_call(skb, &calls, 1);
  return (int)*count;
}

// tc's convention: the program for slot 1 of the map with id 2.
SEC("2/1")
int tail_target(struct __sk_buff* skb) { return 21; }

char LICENSE[] SEC("license") = "GPL";
