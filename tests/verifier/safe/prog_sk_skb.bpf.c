// sk_skb stream verdict: reads the first byte of the message through data/data_end.
#include "../common.h"

SEC("sk_skb/stream_verdict")
int prog_sk_skb(struct __sk_buff* skb) {
  void* data = (void*)(long)skb->data;
  void* data_end = (void*)(long)skb->data_end;
  if (data + 1 > data_end) return SK_PASS;
  return *(__u8*)data == 'X' ? SK_DROP : SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
