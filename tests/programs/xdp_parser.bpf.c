// XDP packet parser: Ethernet, up to two VLAN tags, IPv4 (with options) or IPv6 (with
// extension headers), then TCP or UDP. Every header is bounds-checked against data_end before
// it is read, as the kernel verifier demands. Counts packets per protocol and drops TCP SYNs to
// a blocked port.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct vlan_hdr {
  __be16 tci;
  __be16 encapsulated_proto;
};

enum counter { kTotal, kVlan, kIpv4, kIpv6, kTcp, kUdp, kMalformed, kBlocked, kCounterCount };

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, kCounterCount);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u16);  // destination port, host order
  __type(value, __u8);
} blocked_ports SEC(".maps");

struct cursor {
  void* pos;
  void* end;
};

static __always_inline void count(__u32 which) {
  __u64* value = bpf_map_lookup_elem(&counters, &which);
  if (value) *value += 1;
}

static __always_inline int parse_eth(struct cursor* c, __u16* proto) {
  struct ethhdr* eth = c->pos;
  if ((void*)(eth + 1) > c->end) return -1;
  c->pos = eth + 1;
  __u16 type = eth->h_proto;
#pragma unroll
  for (int i = 0; i < 2; i++) {
    if (type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD)) break;
    struct vlan_hdr* vlan = c->pos;
    if ((void*)(vlan + 1) > c->end) return -1;
    c->pos = vlan + 1;
    type = vlan->encapsulated_proto;
    count(kVlan);
  }
  *proto = bpf_ntohs(type);
  return 0;
}

static __always_inline int parse_ipv4(struct cursor* c, __u8* l4) {
  struct iphdr* ip = c->pos;
  if ((void*)(ip + 1) > c->end) return -1;
  const __u32 length = ip->ihl * 4;
  if (length < sizeof(*ip)) return -1;
  if (c->pos + length > c->end) return -1;
  // Fragments other than the first carry no L4 header.
  if (ip->frag_off & bpf_htons(0x1fff)) return -1;
  c->pos += length;
  *l4 = ip->protocol;
  return 0;
}

static __always_inline int parse_ipv6(struct cursor* c, __u8* l4) {
  struct ipv6hdr* ip6 = c->pos;
  if ((void*)(ip6 + 1) > c->end) return -1;
  c->pos = ip6 + 1;
  __u8 next = ip6->nexthdr;
#pragma unroll
  for (int i = 0; i < 4; i++) {
    if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS) break;
    struct ipv6_opt_hdr* opt = c->pos;
    if ((void*)(opt + 1) > c->end) return -1;
    const __u32 length = (opt->hdrlen + 1) * 8;
    if (c->pos + length > c->end) return -1;
    next = opt->nexthdr;
    c->pos += length;
  }
  *l4 = next;
  return 0;
}

SEC("xdp")
int xdp_parse(struct xdp_md* ctx) {
  struct cursor c = {(void*)(long)ctx->data, (void*)(long)ctx->data_end};
  __u16 proto = 0;
  __u8 l4 = 0;
  count(kTotal);
  if (parse_eth(&c, &proto) < 0) goto malformed;
  if (proto == ETH_P_IP) {
    count(kIpv4);
    if (parse_ipv4(&c, &l4) < 0) goto malformed;
  } else if (proto == ETH_P_IPV6) {
    count(kIpv6);
    if (parse_ipv6(&c, &l4) < 0) goto malformed;
  } else {
    return XDP_PASS;
  }
  if (l4 == IPPROTO_TCP) {
    struct tcphdr* tcp = c.pos;
    if ((void*)(tcp + 1) > c.end) goto malformed;
    count(kTcp);
    if (tcp->syn && !tcp->ack) {
      __u16 port = bpf_ntohs(tcp->dest);
      if (bpf_map_lookup_elem(&blocked_ports, &port)) {
        count(kBlocked);
        return XDP_DROP;
      }
    }
  } else if (l4 == IPPROTO_UDP) {
    struct udphdr* udp = c.pos;
    if ((void*)(udp + 1) > c.end) goto malformed;
    count(kUdp);
    if (bpf_ntohs(udp->len) < sizeof(*udp)) goto malformed;
  }
  return XDP_PASS;
malformed:
  count(kMalformed);
  return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
