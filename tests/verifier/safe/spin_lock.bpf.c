// A map value protected by a bpf_spin_lock.
#include "../common.h"

struct locked {
  struct bpf_spin_lock lock;
  __u64 packets;
  __u64 bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct locked);
} stats SEC(".maps");

SEC("tc")
int spin_lock(struct __sk_buff* skb) {
  __u32 key = 0;
  struct locked* s = bpf_map_lookup_elem(&stats, &key);
  if (!s) return TC_ACT_OK;
  __u32 length = skb->len;
  bpf_spin_lock(&s->lock);
  s->packets++;
  s->bytes += length;
  bpf_spin_unlock(&s->lock);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
