// Shared by the verifier corpus (tests/verifier/{safe,unsafe}/*.bpf.c): the headers every
// program includes, the packet headers the kernel's UAPI does not define, and a few maps.
#pragma once

// clang-format off: the kernel's types first, then libbpf's headers that use them.
#include <linux/bpf.h>
// clang-format on
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>

struct vlan_hdr {
  __be16 tci;
  __be16 encapsulated_proto;
};

struct ipv6_ext {
  __u8 next;
  __u8 len;  // in 8-byte units, not counting the first 8 bytes
  __u8 pad[6];
};

#define COUNTER_ARRAY(name, entries)  \
  struct {                            \
    __uint(type, BPF_MAP_TYPE_ARRAY); \
    __uint(max_entries, entries);     \
    __type(key, __u32);               \
    __type(value, __u64);             \
  } name SEC(".maps")

static __always_inline void bump(void* map, __u32 key) {
  __u64* value = bpf_map_lookup_elem(map, &key);
  if (value) __sync_fetch_and_add(value, 1);
}

#define ARRAY_MAP(name, value_type, entries) \
  struct {                                   \
    __uint(type, BPF_MAP_TYPE_ARRAY);        \
    __uint(max_entries, entries);            \
    __type(key, __u32);                      \
    __type(value, value_type);               \
  } name SEC(".maps")

#define RINGBUF(name)                   \
  struct {                              \
    __uint(type, BPF_MAP_TYPE_RINGBUF); \
    __uint(max_entries, 4096);          \
  } name SEC(".maps")

// Programs written in BPF assembly: a naked function whose body is one asm statement, so the
// instructions are exactly the ones written.
#define ASM_PROGRAM(section, name) SEC(section) __attribute__((naked)) int name(void* ctx)
