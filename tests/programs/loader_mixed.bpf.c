// One object, programs that load and programs that cannot: a kconfig extern, and a section
// name libbpf does not know (iproute2's "from-netdev"). As with libbpf's autoload, the
// others load, verify and run, and the ones that cannot are named with their reason.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

SEC("xdp")
int good(struct xdp_md* ctx) { return XDP_PASS; }

SEC("xdp")
int uses_kconfig(struct xdp_md* ctx) {
  return LINUX_KERNEL_VERSION > 0x050a00 ? XDP_PASS : XDP_DROP;
}

SEC("from-netdev")
int old_section(struct __sk_buff* skb) { return 0; }

char LICENSE[] SEC("license") = "GPL";
