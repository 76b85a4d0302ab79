// sk_buff programs under BPF_PROG_TEST_RUN: a tc classifier (fields of __sk_buff, direct
// packet access from the MAC header, csum_diff, perf_event_output, redirect, a tail call),
// a socket filter (the legacy ld_abs / ld_ind packet loads; it cannot write the packet, so it
// reports in cb[], which ctx_out shows) and a cgroup_skb program (the socket fields Linux
// fills from the packet). Slots: enum skb_slot in runtime_common.h.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "runtime_common.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u32);
} seen SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(max_entries, 4);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, sizeof(__u32));
} events SEC(".maps");

int tc_tail_target(struct __sk_buff *skb);

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 2);
  __uint(key_size, sizeof(__u32));
  __array(values, int(struct __sk_buff *));
} tc_jumps SEC(".maps") = {
    .values = {[0] = (void *)&tc_tail_target},
};

// Counts a packet in `seen` under `key`; the new count.
static __always_inline int count(__u32 key) {
  __u32 one = 1;
  __u32 *value = bpf_map_lookup_elem(&seen, &key);
  if (value) {
    __sync_fetch_and_add(value, 1);
    return *value;
  }
  bpf_map_update_elem(&seen, &key, &one, BPF_NOEXIST);
  return 1;
}

SEC("tc")
int runtime_tc(struct __sk_buff *skb) {
  struct results r = {};
  r.v[SKB_LEN] = skb->len;
  r.v[SKB_PROTOCOL] = skb->protocol;
  r.v[SKB_PKT_TYPE] = skb->pkt_type;
  r.v[SKB_IFINDEX] = skb->ifindex;
  r.v[SKB_INGRESS_IFINDEX] = skb->ingress_ifindex;
  r.v[SKB_MARK] = skb->mark;
  r.v[SKB_PRIORITY] = skb->priority;
  r.v[SKB_CB0] = skb->cb[0];
  r.v[SKB_CB4] = skb->cb[4];
  r.v[SKB_HASH] = skb->hash;
  r.v[SKB_QUEUE_MAPPING] = skb->queue_mapping;
  r.v[SKB_VLAN_PRESENT] = skb->vlan_present;
  r.v[SKB_WIRE_LEN] = skb->wire_len;
  r.v[SKB_TC_INDEX] = skb->tc_index;
  r.v[SKB_GSO_SEGS] = skb->gso_segs;
  r.v[SKB_GSO_SIZE] = skb->gso_size;
  r.v[SKB_TSTAMP] = (__s32)skb->tstamp;
  r.v[SKB_MAP_COUNT] = count(skb->protocol);
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  void *meta = (void *)(long)skb->data_meta;
  r.v[SKB_DATA_LEN] = end - data;
  r.v[SKB_DATA_META] = meta == data;
  if (data + 34 <= end) r.v[SKB_CSUM_DIFF] = bpf_csum_diff(0, 0, data + 26, 8, 0);
  __u64 sample = 0x1122334455667788ULL;
  r.v[SKB_PERF_OUTPUT] = bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, &sample, sizeof sample);
  r.v[SKB_PERF_CTXLEN] = bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU | (64ULL << 32), &sample, 8);
  r.v[SKB_PERF_CTXLEN_BIG] =
      bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU | (60000ULL << 32), &sample, 8);
  r.v[SKB_REDIRECT_BAD_FLAGS] = bpf_redirect(1, 2);
  r.v[SKB_REDIRECT] = bpf_redirect(1, BPF_F_INGRESS);
  skb->mark = 0x1234;
  skb->priority = 6;
  skb->cb[1] = 0xabcd;
  skb->tc_index = 3;
  if (!store_results((void *)(long)skb->data, (void *)(long)skb->data_end, &r)) return TC_ACT_SHOT;
  bpf_tail_call(skb, &tc_jumps, 0);
  return TC_ACT_UNSPEC;
}

// Marks the tail call in the packet's results and redirects.
SEC("tc")
int tc_tail_target(struct __sk_buff *skb) {
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  __s32 *slot = data + RESULT_OFFSET + 4 * SKB_TAIL_CALL;
  if ((void *)(slot + 1) > end) return TC_ACT_SHOT;
  *slot = 1;
  skb->cb[2] = skb->mark;
  return bpf_redirect(1, 0);
}

// Reports in cb[0..4] (see skb_slot's SOCKET_* comments) and accepts the whole packet.
SEC("socket")
int runtime_socket(struct __sk_buff *skb) {
  const __u32 ihl = (load_byte(skb, 0) & 0xf) * 4;
  skb->cb[0] = load_byte(skb, 9) | (load_half(skb, ihl + 2) << 8);
  skb->cb[1] = load_word(skb, 12);
  skb->cb[2] = load_half(skb, ihl + 6) | (load_byte(skb, ihl) << 16);
  skb->cb[3] = skb->len | (skb->pkt_type << 16) | (skb->ifindex << 24);
  __u32 facts = 0;
  facts |= (skb->protocol == bpf_htons(0x0800)) << 0;
  facts |= (skb->mark == 0x77) << 1;
  facts |= (skb->priority == 5) << 2;
  facts |= (count(1000) >= 1) << 3;
  __u64 sample = 1;
  facts |= (bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, &sample, 8) == -2) << 4;
  facts |= (bpf_perf_event_output(skb, &events, 9, &sample, 8) == -7) << 5;
  facts |= (bpf_get_smp_processor_id() < 4096) << 6;
  facts |= (skb->vlan_present == 0) << 7;
  facts |= (skb->queue_mapping == 0) << 8;
  skb->cb[4] = facts;
  return skb->len;
}

// Past the packet's end: a legacy load ends the program, returning 0.
SEC("socket")
int socket_load_past_end(struct __sk_buff *skb) {
  skb->cb[0] = 1;
  skb->cb[1] = load_word(skb, skb->len - 2);
  skb->cb[2] = 2;
  return 99;
}

SEC("cgroup_skb/ingress")
int runtime_cgroup_skb(struct __sk_buff *skb) {
  skb->cb[0] = skb->family;
  skb->cb[1] = skb->local_ip4;
  skb->cb[2] = skb->remote_ip4;
  void *data = (void *)(long)skb->data;
  void *end = (void *)(long)skb->data_end;
  skb->cb[3] = end - data;
  skb->cb[4] = skb->len;
  skb->mark = skb->protocol;
  skb->priority = count(2000);
  return 1;
}

char LICENSE[] SEC("license") = "GPL";
