// A program built with vmlinux.h (its excerpt vmlinux_net.h) instead of the uapi headers:
// every access to a packet header is a CO-RE relocation, resolved against the types xbpf
// describes, so its results are the kernel's (runtime_kernel_diff_test compares them). A
// flavor with its fields in another order (tcphdr___swapped) proves that accesses are
// relocated by field name. Results go into the packet from OUT (object_core_test.cpp).
#include "vmlinux_net.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#define OUT 200
#define ETH_P_IP 0x0800

struct tcphdr___swapped {
  __be16 dest;
  __be16 source;
} __attribute__((preserve_access_index));

struct out {
  __u32 protocol, ihl, version, ttl;
  __u32 saddr, daddr, addrs_daddr;
  __u32 source, dest, swapped_source, swapped_dest;
  __u32 doff, syn, ack, psh, seq, window;
  __u32 tcphdr_size, iphdr_size;
};

SEC("xdp")
int core_vmlinux(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_ABORTED;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_DROP;
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > data_end) return XDP_ABORTED;
  struct tcphdr* tcp = (void*)ip + ip->ihl * 4;
  if ((void*)(tcp + 1) > data_end) return XDP_ABORTED;
  struct tcphdr___swapped* swapped = (void*)tcp;
  struct out* out = data + OUT;
  if ((void*)(out + 1) > data_end) return XDP_ABORTED;
  out->protocol = ip->protocol;
  out->ihl = ip->ihl;
  out->version = ip->version;
  out->ttl = ip->ttl;
  out->saddr = bpf_ntohl(ip->saddr);
  out->daddr = bpf_ntohl(ip->daddr);
  out->addrs_daddr = bpf_ntohl(ip->addrs.daddr);
  out->source = bpf_ntohs(tcp->source);
  out->dest = bpf_ntohs(tcp->dest);
  out->swapped_source = bpf_ntohs(swapped->source);
  out->swapped_dest = bpf_ntohs(swapped->dest);
  out->doff = tcp->doff;
  out->syn = tcp->syn;
  out->ack = tcp->ack;
  out->psh = tcp->psh;
  out->seq = bpf_ntohl(tcp->seq);
  out->window = bpf_ntohs(tcp->window);
  out->tcphdr_size = bpf_core_type_size(struct tcphdr);
  out->iphdr_size = bpf_core_type_size(struct iphdr);
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
