// CO-RE existence checks built with vmlinux.h (its excerpt vmlinux_net.h): they answer for
// what the target describes, so xbpf's answers (the uapi types it implements) differ from a
// kernel's (its own BTF) by design; runtime_kernel_diff_test does not compare this object.
#include "vmlinux_net.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct iphdr___flavored {
  __u8 ttl;
  __u8 not_in_any_iphdr;
} __attribute__((preserve_access_index));

SEC("xdp")
int core_exists(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  __u32* out = data;
  if ((void*)(out + 6) > data_end) return XDP_ABORTED;
  struct tcphdr* tcp = 0;
  struct iphdr___flavored* ip = 0;
  out[0] = bpf_core_field_exists(tcp->ae);    // Linux 6.18's tcphdr has it; the uapi's not
  out[1] = bpf_core_field_exists(tcp->res1);  // both
  out[2] = bpf_core_type_exists(struct task_struct);  // a kernel type
  out[3] = bpf_core_field_exists(ip->ttl);    // a flavor's field, matched by name
  out[4] = bpf_core_field_exists(ip->not_in_any_iphdr);
  out[5] = bpf_core_type_exists(struct iphdr___flavored);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
