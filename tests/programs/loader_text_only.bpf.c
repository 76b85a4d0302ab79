// An object compiled with no SEC() at all, as PREVAIL's samples are: its code is in .text.
// Its global functions are its programs (there is nothing they could be subprograms of), and
// their type comes from --type.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int add_one(int value) { return value + 1; }

int first(struct __sk_buff* skb) { return add_one((int)skb->len); }

int second(struct __sk_buff* skb) { return 2; }

char LICENSE[] SEC("license") = "GPL";
