// Takes the same bpf_spin_lock twice.
// EXPECT: call to bpf_spin_lock while holding a bpf_spin_lock
#include "../common.h"
struct locked {
  struct bpf_spin_lock lock;
  __u64 count;
};
ARRAY_MAP(locks, struct locked, 1);

SEC("tc")
int spin_lock_twice(struct __sk_buff* skb) {
  __u32 key = 0;
  struct locked* l = bpf_map_lookup_elem(&locks, &key);
  if (!l) return TC_ACT_OK;
  bpf_spin_lock(&l->lock);
  bpf_spin_lock(&l->lock);  // <- error
  bpf_spin_unlock(&l->lock);
  bpf_spin_unlock(&l->lock);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
