// Reads past the end of its packet without checking data_end: the kernel's verifier refuses
// it; xbpf's checked mode stops it at the load (tests/unit/xdp_cli_test.cpp: `xbpf xdp run`
// reports the record and exits 1).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_fault(struct xdp_md *ctx) {
  unsigned char *data = (void *)(long)ctx->data;
  return data[5000] == 7 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
