// SPDX-License-Identifier: GPL-2.0
// An XDP firewall: the demo of `make demo` (docs/xdp.md), and an ordinary XDP object that the
// Linux kernel loads and verifies unmodified.
//
// Parses Ethernet, up to two VLAN tags (802.1Q, 802.1ad), IPv4 (options; fragments: only the
// first carries the TCP or UDP header) and IPv6 with its extension headers (hop-by-hop,
// routing, fragment, destination options, authentication; at most 8, a bounded loop), then TCP
// and UDP. Then:
//   - drops packets whose source address is in a blocklist of prefixes (LPM tries, one for
//     IPv4 and one for IPv6, filled by user space);
//   - counts packets and bytes per source address in an LRU hash (the top talkers);
//   - limits TCP SYNs (without ACK) per source with a token bucket on bpf_ktime_get_ns: a
//     source gets a burst of syn_burst SYNs and then syn_rate per second;
//   - drops malformed packets (headers cut short, bad lengths, too many extension headers);
//   - passes everything else, ARP and other non-IP frames included;
//   - keeps statistics in a per-CPU array (one slot per `enum stat`).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_8021AD_ 0x88A8
#define IPV4_MF 0x2000      // more fragments
#define IPV4_OFFSET 0x1fff  // fragment offset, in 8-byte units
#define MAX_VLAN_TAGS 2
#define MAX_IPV6_EXTENSIONS 8

enum stat {
  STAT_PACKETS,
  STAT_BYTES,
  STAT_PASS,
  STAT_DROP_BLOCKED,
  STAT_DROP_SYN_FLOOD,
  STAT_DROP_MALFORMED,
  STAT_VLAN,
  STAT_IPV4,
  STAT_IPV6,
  STAT_IPV6_EXTENSIONS,
  STAT_FRAGMENTS,
  STAT_TCP,
  STAT_UDP,
  STAT_SYN,
  STAT_OTHER,  // neither IPv4 nor IPv6 (ARP, LLDP, ...)
  STAT_COUNT,
};

struct vlan_hdr {
  __be16 tci;
  __be16 encapsulated_proto;
};

struct ipv6_ext_hdr {
  __u8 nexthdr;
  __u8 hdrlen;
};

struct ipv6_frag {
  __u8 nexthdr;
  __u8 reserved;
  __be16 frag_off;  // offset (13 bits, 8-byte units), 2 reserved bits, M flag
  __be32 identification;
};

// A source address: family 4 or 6, the address in the first 4 or 16 bytes.
struct source {
  __u8 family;
  __u8 pad[3];
  __u8 addr[16];
};

struct talker {
  __u64 packets;
  __u64 bytes;
  __u64 dropped;
};

struct syn_bucket {
  __u64 credit_ns;  // time credit: each SYN costs syn_cost_ns
  __u64 last_ns;
};

struct prefix_v4 {
  __u32 prefixlen;
  __u8 addr[4];
};

struct prefix_v6 {
  __u32 prefixlen;
  __u8 addr[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 1024);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct prefix_v4);
  __type(value, __u32);  // a rule number, for user space
} blocklist_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 1024);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct prefix_v6);
  __type(value, __u32);
} blocklist_v6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct source);
  __type(value, struct talker);
} talkers SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct source);
  __type(value, struct syn_bucket);
} syn_buckets SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, STAT_COUNT);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");

// The SYN limit: a burst of 32 SYNs, then 100 per second, per source.
const volatile __u64 syn_cost_ns = 1000000000ull / 100;
const volatile __u64 syn_burst = 32;

static __always_inline void count(enum stat which, __u64 amount) {
  __u32 key = which;
  __u64 *value = bpf_map_lookup_elem(&stats, &key);
  if (value) *value += amount;
}

static __always_inline int verdict(enum stat why, struct talker *talker) {
  count(why, 1);
  if (why == STAT_PASS) return XDP_PASS;
  if (talker) __sync_fetch_and_add(&talker->dropped, 1);
  return XDP_DROP;
}

// The source's counters, created on its first packet.
static __always_inline struct talker *count_source(struct source *source, __u64 bytes) {
  struct talker *talker = bpf_map_lookup_elem(&talkers, source);
  if (!talker) {
    struct talker fresh = {};
    bpf_map_update_elem(&talkers, source, &fresh, BPF_NOEXIST);
    talker = bpf_map_lookup_elem(&talkers, source);
    if (!talker) return 0;
  }
  __sync_fetch_and_add(&talker->packets, 1);
  __sync_fetch_and_add(&talker->bytes, bytes);
  return talker;
}

// The token bucket, in time: credit grows with elapsed time up to the burst's worth and
// each SYN spends syn_cost_ns of it.
static __always_inline int syn_allowed(struct source *source) {
  const __u64 now = bpf_ktime_get_ns();
  const __u64 cost = syn_cost_ns;
  const __u64 full = syn_burst * cost;
  struct syn_bucket *bucket = bpf_map_lookup_elem(&syn_buckets, source);
  if (!bucket) {
    struct syn_bucket fresh = {.credit_ns = full - cost, .last_ns = now};
    bpf_map_update_elem(&syn_buckets, source, &fresh, BPF_ANY);
    return 1;
  }
  __u64 credit = bucket->credit_ns;
  if (now > bucket->last_ns) credit += now - bucket->last_ns;
  if (credit > full) credit = full;
  bucket->last_ns = now;
  if (credit < cost) {
    bucket->credit_ns = credit;
    return 0;
  }
  bucket->credit_ns = credit - cost;
  return 1;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  const __u64 bytes = data_end - data;
  count(STAT_PACKETS, 1);
  count(STAT_BYTES, bytes);

  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return verdict(STAT_DROP_MALFORMED, 0);
  __be16 proto = eth->h_proto;
  void *cursor = eth + 1;
  int tagged = 0;
#pragma unroll
  for (int i = 0; i < MAX_VLAN_TAGS; i++) {
    if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD_)) break;
    struct vlan_hdr *vlan = cursor;
    if ((void *)(vlan + 1) > data_end) return verdict(STAT_DROP_MALFORMED, 0);
    proto = vlan->encapsulated_proto;
    cursor = vlan + 1;
    tagged = 1;
  }
  if (tagged) count(STAT_VLAN, 1);
  if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD_))
    return verdict(STAT_DROP_MALFORMED, 0);  // a third tag

  struct source source = {};
  struct talker *talker = 0;
  __u8 l4_proto = 0;
  void *l4 = 0;  // the TCP or UDP header; 0 for a later fragment

  if (proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = cursor;
    if ((void *)(ip + 1) > data_end) return verdict(STAT_DROP_MALFORMED, 0);
    const __u32 header = ip->ihl * 4;
    if (ip->version != 4 || header < sizeof(*ip)) return verdict(STAT_DROP_MALFORMED, 0);
    if (cursor + header > data_end) return verdict(STAT_DROP_MALFORMED, 0);
    const __u32 total = bpf_ntohs(ip->tot_len);
    if (total < header || cursor + total > data_end) return verdict(STAT_DROP_MALFORMED, 0);
    count(STAT_IPV4, 1);
    source.family = 4;
    __builtin_memcpy(source.addr, &ip->saddr, 4);
    talker = count_source(&source, bytes);
    struct prefix_v4 prefix = {.prefixlen = 32};
    __builtin_memcpy(prefix.addr, &ip->saddr, 4);
    if (bpf_map_lookup_elem(&blocklist_v4, &prefix)) return verdict(STAT_DROP_BLOCKED, talker);
    if (ip->frag_off & bpf_htons(IPV4_MF | IPV4_OFFSET)) count(STAT_FRAGMENTS, 1);
    if (!(ip->frag_off & bpf_htons(IPV4_OFFSET))) l4 = cursor + header;
    l4_proto = ip->protocol;
  } else if (proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = cursor;
    if ((void *)(ip6 + 1) > data_end) return verdict(STAT_DROP_MALFORMED, 0);
    if (ip6->version != 6) return verdict(STAT_DROP_MALFORMED, 0);
    if ((void *)(ip6 + 1) + bpf_ntohs(ip6->payload_len) > data_end)
      return verdict(STAT_DROP_MALFORMED, 0);
    count(STAT_IPV6, 1);
    source.family = 6;
    __builtin_memcpy(source.addr, &ip6->saddr, 16);
    talker = count_source(&source, bytes);
    struct prefix_v6 prefix = {.prefixlen = 128};
    __builtin_memcpy(prefix.addr, &ip6->saddr, 16);
    if (bpf_map_lookup_elem(&blocklist_v6, &prefix)) return verdict(STAT_DROP_BLOCKED, talker);
    __u8 next = ip6->nexthdr;
    void *header = ip6 + 1;
    int first_fragment = 1;
    int extensions = 0;
    for (int i = 0; i < MAX_IPV6_EXTENSIONS; i++) {
      if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
        struct ipv6_ext_hdr *ext = header;
        if ((void *)(ext + 1) > data_end) return verdict(STAT_DROP_MALFORMED, talker);
        next = ext->nexthdr;
        header += (ext->hdrlen + 1) * 8;
      } else if (next == IPPROTO_AH) {
        struct ipv6_ext_hdr *ext = header;
        if ((void *)(ext + 1) > data_end) return verdict(STAT_DROP_MALFORMED, talker);
        next = ext->nexthdr;
        header += (ext->hdrlen + 2) * 4;
      } else if (next == IPPROTO_FRAGMENT) {
        struct ipv6_frag *frag = header;
        if ((void *)(frag + 1) > data_end) return verdict(STAT_DROP_MALFORMED, talker);
        next = frag->nexthdr;
        if (frag->frag_off & bpf_htons(0xfff8)) first_fragment = 0;
        count(STAT_FRAGMENTS, 1);
        header = frag + 1;
      } else {
        break;
      }
      extensions++;
    }
    if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS ||
        next == IPPROTO_FRAGMENT || next == IPPROTO_AH)
      return verdict(STAT_DROP_MALFORMED, talker);  // more extension headers than we follow
    if (header > data_end) return verdict(STAT_DROP_MALFORMED, talker);
    if (extensions) count(STAT_IPV6_EXTENSIONS, 1);
    if (first_fragment) l4 = header;
    l4_proto = next;
  } else {
    count(STAT_OTHER, 1);
    return verdict(STAT_PASS, 0);
  }

  if (l4_proto == IPPROTO_TCP && l4) {
    struct tcphdr *tcp = l4;
    if ((void *)(tcp + 1) > data_end) return verdict(STAT_DROP_MALFORMED, talker);
    if (tcp->doff < 5) return verdict(STAT_DROP_MALFORMED, talker);
    count(STAT_TCP, 1);
    if (tcp->syn && !tcp->ack) {
      count(STAT_SYN, 1);
      if (!syn_allowed(&source)) return verdict(STAT_DROP_SYN_FLOOD, talker);
    }
  } else if (l4_proto == IPPROTO_UDP && l4) {
    struct udphdr *udp = l4;
    if ((void *)(udp + 1) > data_end) return verdict(STAT_DROP_MALFORMED, talker);
    if (bpf_ntohs(udp->len) < sizeof(*udp)) return verdict(STAT_DROP_MALFORMED, talker);
    count(STAT_UDP, 1);
  }
  return verdict(STAT_PASS, talker);
}

char LICENSE[] SEC("license") = "GPL";
