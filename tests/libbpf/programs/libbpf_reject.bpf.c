// An XDP program the verifier rejects (a packet read without a bounds check) next to one it
// accepts: the load error, its log and its message are the libbpf API's to report.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int read_unchecked(struct xdp_md* ctx) {
  unsigned char* data = (unsigned char*)(long)ctx->data;
  return data[20] == 6 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int pass_all(struct xdp_md* ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
