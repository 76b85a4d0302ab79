// sk_skb stream parser: the message length is the skb length.
#include "../common.h"

SEC("sk_skb/stream_parser")
int prog_sk_skb_parser(struct __sk_buff* skb) { return skb->len; }

char LICENSE[] SEC("license") = "GPL";
