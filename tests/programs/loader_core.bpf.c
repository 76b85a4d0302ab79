// CO-RE relocations against a uapi context struct (struct __sk_buff): the loader resolves
// them against the object's own BTF, which describes the struct xbpf implements.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

SEC("tc")
int core_skb(struct __sk_buff* skb) {
  __u32 len = BPF_CORE_READ(skb, len);
  __u32 mark = __builtin_preserve_access_index(skb->mark);
  __u32 size = bpf_core_field_size(skb->cb[2]);
  __u32 exists = bpf_core_field_exists(skb->tstamp);
  __u32 skb_size = bpf_core_type_size(struct __sk_buff);
  return (int)(len + mark + size + exists + skb_size);
}

char LICENSE[] SEC("license") = "GPL";
