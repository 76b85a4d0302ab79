// Arithmetic a compiler lowers to the whole ALU: 32-bit and 64-bit add/sub/mul/div/mod,
// shifts (logical and arithmetic), bitwise ops, negation, sign and zero extension, and byte
// swaps (__builtin_bswap16/32/64, bpf_htons/htonl, be64 conversions). A tc classifier that
// hashes header fields into a mark and rewrites a few bytes in network order.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct sample {
  __s8 s8;
  __u8 u8;
  __s16 s16;
  __u16 u16;
  __s32 s32;
  __u32 u32;
  __s64 s64;
  __u64 u64;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, struct sample);
} samples SEC(".maps");

static __always_inline __u32 rotl32(__u32 x, int k) { return (x << k) | (x >> (32 - k)); }

// Jenkins-style mixing on 32-bit values: the compiler keeps these in w registers.
static __always_inline __u32 mix32(__u32 a, __u32 b, __u32 c) {
  a -= c;
  a ^= rotl32(c, 4);
  c += b;
  b -= a;
  b ^= rotl32(a, 6);
  a += c;
  c -= b;
  c ^= rotl32(b, 8);
  b += a;
  return c * 0x9e3779b1u + (a >> 3) - (b << 5);
}

SEC("tc")
int tc_classify(struct __sk_buff* skb) {
  void* data = (void*)(long)skb->data;
  void* data_end = (void*)(long)skb->data_end;
  struct ethhdr* eth = data;
  struct iphdr* ip = data + sizeof(*eth);
  if ((void*)(ip + 1) > data_end) return TC_ACT_OK;
  if (eth->h_proto != bpf_htons(ETH_P_IP)) return TC_ACT_OK;

  const __u32 saddr = bpf_ntohl(ip->saddr);
  const __u32 daddr = bpf_ntohl(ip->daddr);
  const __u16 total = bpf_ntohs(ip->tot_len);
  __u32 hash = mix32(saddr, daddr, ((__u32)ip->protocol << 16) | total);
  hash ^= hash >> 16;
  hash = hash % 1021 + hash / 7;

  __u32 zero = 0;
  struct sample* s = bpf_map_lookup_elem(&samples, &zero);
  if (!s) return TC_ACT_OK;
  // Signed arithmetic and sign extension from narrow fields.
  const __s64 wide = (__s64)s->s8 * s->s16 + s->s32;
  const __s32 narrow = (__s32)s->s8 - (__s32)s->s16 * 3;
  const __s64 shifted = s->s64 >> (s->u8 & 63);
  const __u64 logical = s->u64 >> (s->u8 & 31);
  const __s32 shifted32 = s->s32 >> (s->u16 & 15);
  // Signed division needs v4; before it, divide magnitudes and restore the sign.
  const __u64 magnitude = wide < 0 ? -(__u64)wide : (__u64)wide;
  const __s64 quotient = (__s64)(magnitude / (s->u16 | 1));
  s->s64 = (wide < 0 ? -quotient : quotient) + (__s64)((__u32)narrow % 9) - shifted;
  s->u64 = (logical * 2654435761ULL) ^ ~s->u64 ^ (__u64)-s->s64;
  s->s32 = -shifted32 + (s->s16 < 0 ? -1 : 1);
  s->u32 = (s->u32 & 0xff00ff00u) | ((s->u32 >> 8) & 0x00ff00ffu);
  s->u16 = __builtin_bswap16(s->u16);
  s->u32 ^= __builtin_bswap32(s->u32 + hash);
  s->u64 = __builtin_bswap64(s->u64) + bpf_be64_to_cpu(s->u64);
  s->s16 = (__s16)(s->u32 & 0xffff);
  s->s8 = (__s8)(s->u64 >> 56);

  // Rewrite the IP identification in network order (the checksum is left to hardware).
  ip->id = bpf_htons((__u16)(hash & 0xffff));
  skb->mark = hash;
  return hash & 1 ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
