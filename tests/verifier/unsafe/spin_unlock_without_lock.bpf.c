// Releases a bpf_spin_lock that is not held.
// EXPECT: bpf_spin_unlock without a lock held
#include "../common.h"
struct locked {
  struct bpf_spin_lock lock;
  __u64 count;
};
ARRAY_MAP(locks, struct locked, 1);

SEC("tc")
int spin_unlock_without_lock(struct __sk_buff* skb) {
  __u32 key = 0;
  struct locked* l = bpf_map_lookup_elem(&locks, &key);
  if (!l) return TC_ACT_OK;
  bpf_spin_unlock(&l->lock);  // <- error
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
