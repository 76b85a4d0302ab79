// bpf_spin_lock on a stack variable.
// EXPECT: argument 1 of bpf_spin_lock must be a pointer to a map value's bpf_spin_lock
#include "../common.h"
SEC("tc")
int spin_lock_not_in_map(struct __sk_buff* skb) {
  struct bpf_spin_lock lock = {};
  bpf_spin_lock(&lock);  // <- error
  bpf_spin_unlock(&lock);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
