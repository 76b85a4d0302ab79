// A kconfig extern (__kconfig): xbpf has no kernel configuration to resolve it against, so the
// loader refuses the object, naming the extern and the instruction that uses it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

SEC("xdp")
int uses_kconfig(struct xdp_md* ctx) {
  return LINUX_KERNEL_VERSION > 0x050a00 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
