// Flow accounting with BTF-defined maps: a hash map keyed by the 5-tuple holds per-flow byte
// and packet counts, an array map holds configuration, an LRU map remembers recently seen
// sources, and a ring-less "events" array records the largest flow seen. The socket filter
// reads the packet with the legacy ld_abs/ld_ind instructions (llvm.bpf.load.*).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void* skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void* skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void* skb, unsigned long long off) asm("llvm.bpf.load.word");

struct flow_key {
  __u32 src;
  __u32 dst;
  __u16 sport;
  __u16 dport;
  __u8 proto;
  __u8 pad[3];
};

struct flow_stats {
  __u64 packets;
  __u64 bytes;
  __u64 first_seen_ns;
  __u64 last_seen_ns;
};

struct config {
  __u32 sample_rate;
  __u32 max_flows;
  __u64 min_bytes;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, struct flow_key);
  __type(value, struct flow_stats);
} flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct config);
} config_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, __u64);
} recent_sources SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct flow_key);
} largest_flow SEC(".maps");

static __always_inline void remember_largest(const struct flow_key* key,
                                             const struct flow_stats* stats) {
  static const __u32 zero = 0;
  struct flow_key* largest = bpf_map_lookup_elem(&largest_flow, &zero);
  if (!largest) return;
  struct flow_stats* current = bpf_map_lookup_elem(&flows, largest);
  if (!current || current->bytes < stats->bytes) *largest = *key;
}

SEC("socket")
int flow_account(struct __sk_buff* skb) {
  __u32 zero = 0;
  struct config* config = bpf_map_lookup_elem(&config_map, &zero);
  if (!config) return 0;
  if (config->sample_rate > 1 && bpf_get_prandom_u32() % config->sample_rate != 0) return -1;

  if (load_half(skb, offsetof(struct ethhdr, h_proto)) != ETH_P_IP) return -1;
  struct flow_key key = {};
  const __u32 ihl = (load_byte(skb, ETH_HLEN) & 0x0f) * 4;
  key.proto = load_byte(skb, ETH_HLEN + 9);
  key.src = load_word(skb, ETH_HLEN + 12);
  key.dst = load_word(skb, ETH_HLEN + 16);
  if (key.proto == IPPROTO_TCP || key.proto == IPPROTO_UDP) {
    // Indirect loads: the offset depends on the IP header length.
    key.sport = load_half(skb, ETH_HLEN + ihl);
    key.dport = load_half(skb, ETH_HLEN + ihl + 2);
  }

  const __u64 now = bpf_ktime_get_ns();
  struct flow_stats* stats = bpf_map_lookup_elem(&flows, &key);
  if (stats) {
    stats->packets++;
    stats->bytes += skb->len;
    stats->last_seen_ns = now;
  } else {
    struct flow_stats fresh = {1, skb->len, now, now};
    if (bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST) != 0) return -1;
    stats = &fresh;
  }
  bpf_map_update_elem(&recent_sources, &key.src, &now, BPF_ANY);
  if (stats->bytes >= config->min_bytes) remember_largest(&key, stats);
  if (stats->packets > config->max_flows) bpf_map_delete_elem(&flows, &key);
  return -1;
}

char LICENSE[] SEC("license") = "GPL";
