// tc: writable __sk_buff fields (mark, priority, tc_classid, cb[]) and readable ones.
#include "../common.h"

SEC("tc")
int prog_tc_fields(struct __sk_buff* skb) {
  skb->cb[0] = skb->ifindex;
  skb->cb[4] = skb->protocol;
  skb->tc_classid = 0x10001;
  if (skb->vlan_present) skb->mark = skb->vlan_tci;
  skb->priority = skb->queue_mapping;
  return skb->len > 1500 ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
