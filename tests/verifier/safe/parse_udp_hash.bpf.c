// UDP flows counted in a hash map keyed by the 5-tuple.
#include "../common.h"

struct flow {
  __u32 saddr, daddr;
  __u16 sport, dport;
  __u8 proto;
  __u8 pad[3];
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, struct flow);
  __type(value, __u64);
} flows SEC(".maps");

SEC("xdp")
int parse_udp_hash(struct xdp_md* ctx) {
  void* data = (void*)(long)ctx->data;
  void* data_end = (void*)(long)ctx->data_end;
  struct ethhdr* eth = data;
  if ((void*)(eth + 1) > data_end) return XDP_DROP;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
  struct iphdr* ip = (void*)(eth + 1);
  if ((void*)(ip + 1) > data_end) return XDP_DROP;
  if (ip->protocol != IPPROTO_UDP) return XDP_PASS;
  struct udphdr* udp = (void*)ip + ip->ihl * 4;
  if ((void*)(udp + 1) > data_end) return XDP_DROP;
  struct flow key = {};
  key.saddr = ip->saddr;
  key.daddr = ip->daddr;
  key.sport = udp->source;
  key.dport = udp->dest;
  key.proto = ip->protocol;
  __u64* count = bpf_map_lookup_elem(&flows, &key);
  if (count) {
    __sync_fetch_and_add(count, 1);
  } else {
    __u64 one = 1;
    bpf_map_update_elem(&flows, &key, &one, BPF_NOEXIST);
  }
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
