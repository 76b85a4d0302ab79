// Returns while holding a bpf_spin_lock.
// EXPECT: the program exits holding a bpf_spin_lock
#include "../common.h"
struct locked {
  struct bpf_spin_lock lock;
  __u64 count;
};
ARRAY_MAP(locks, struct locked, 1);

SEC("tc")
int spin_lock_not_released(struct __sk_buff* skb) {
  __u32 key = 0;
  struct locked* l = bpf_map_lookup_elem(&locks, &key);
  if (!l) return TC_ACT_OK;
  bpf_spin_lock(&l->lock);
  l->count++;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
