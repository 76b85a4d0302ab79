// A helper called through an extern function of its name rather than through libbpf's
// pointer-to-helper-id declaration (PREVAIL's externalfunction sample): the loader makes it
// that helper's call.
#define bpf_ktime_get_ns bpf_ktime_get_ns_by_id
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#undef bpf_ktime_get_ns

extern __u64 bpf_ktime_get_ns(void);

SEC("socket")
int by_name(struct __sk_buff* skb) { return bpf_ktime_get_ns() != 0; }

char LICENSE[] SEC("license") = "GPL";
