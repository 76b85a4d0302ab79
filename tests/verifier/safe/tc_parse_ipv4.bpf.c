// A tc classifier parsing IPv4 through __sk_buff's data and data_end, setting the mark.
#include "../common.h"

SEC("tc")
int tc_parse_ipv4(struct __sk_buff* skb) {
  void* data = (void*)(long)skb->data;
  void* data_end = (void*)(long)skb->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return TC_ACT_OK;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > data_end) return TC_ACT_OK;
  if (ip->tos & 0x1c) skb->mark = ip->tos;
  skb->priority = ip->ttl;
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
