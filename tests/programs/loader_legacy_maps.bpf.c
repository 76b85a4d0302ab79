// Legacy map definitions: struct bpf_map_def records in SEC("maps"), the layout iproute2 and
// old libbpf read (libbpf 1.x no longer declares the struct, so it is declared here).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
  unsigned int type;
  unsigned int key_size;
  unsigned int value_size;
  unsigned int max_entries;
  unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_hash = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 256,
};

struct bpf_map_def SEC("maps") legacy_array = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = 32,
    .max_entries = 16,
    .map_flags = BPF_F_RDONLY_PROG,
};

SEC("socket")
int legacy_filter(struct __sk_buff* skb) {
  __u32 key = skb->protocol;
  __u64* count = bpf_map_lookup_elem(&legacy_hash, &key);
  if (count) {
    __sync_fetch_and_add(count, 1);
  } else {
    __u64 one = 1;
    bpf_map_update_elem(&legacy_hash, &key, &one, BPF_NOEXIST);
  }
  __u32 zero = 0;
  __u8* config = bpf_map_lookup_elem(&legacy_array, &zero);
  return config && config[0] ? 0 : -1;
}

char LICENSE[] SEC("license") = "GPL";
__u32 _version SEC("version") = 0x050a00;
