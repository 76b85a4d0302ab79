// The live datapath's end-to-end test (tests/e2e/xdp_live.sh): drops IPv4 UDP to port 7777,
// passes everything else.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_live_fw(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP) return XDP_PASS;
  struct udphdr *udp = (void *)ip + ip->ihl * 4;
  if ((void *)(udp + 1) > end) return XDP_PASS;
  return udp->dest == bpf_htons(7777) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
