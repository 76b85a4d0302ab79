// tc: rewrites the IPv4 TOS with bpf_skb_store_bytes and fixes the checksum.
#include "../common.h"

SEC("tc")
int prog_tc_store_bytes(struct __sk_buff* skb) {
  __u8 tos;
  if (bpf_skb_load_bytes(skb, ETH_HLEN + 1, &tos, 1) < 0) return TC_ACT_OK;
  __u8 new_tos = 0x10;
  __u16 old_word = tos, new_word = new_tos;
  bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), bpf_htons(old_word),
                      bpf_htons(new_word), 2);
  bpf_skb_store_bytes(skb, ETH_HLEN + 1, &new_tos, 1, 0);
  return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
