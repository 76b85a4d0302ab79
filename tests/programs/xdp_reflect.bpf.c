// The live datapath's end-to-end test (tests/e2e/xdp_live.sh): answers IPv4 UDP by sending it
// back (MACs, addresses and ports swapped, checksums unchanged: their sums do not depend on
// the order), XDP_TX; passes everything else.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_reflect(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr *ip = (void *)(eth + 1);
  if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl != 5) return XDP_PASS;
  struct udphdr *udp = (void *)(ip + 1);
  if ((void *)(udp + 1) > end) return XDP_PASS;
  unsigned char mac[ETH_ALEN];
  __builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
  __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
  __builtin_memcpy(eth->h_source, mac, ETH_ALEN);
  __be32 address = ip->saddr;
  ip->saddr = ip->daddr;
  ip->daddr = address;
  __be16 port = udp->source;
  udp->source = udp->dest;
  udp->dest = port;
  return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
