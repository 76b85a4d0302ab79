// cgroup_skb may read the packet but not write it.
// EXPECT: write of 1 bytes at r1 + 0: cgroup_skb programs may not write the packet
#include "../common.h"
SEC("cgroup_skb/ingress")
int packet_write_cgroup_skb(struct __sk_buff* skb) {
  __u8* data = (void*)(long)skb->data;
  void* data_end = (void*)(long)skb->data_end;
  if ((void*)(data + 1) > data_end) return 1;
  data[0] = 0;  // <- error
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
