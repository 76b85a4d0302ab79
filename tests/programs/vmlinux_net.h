// An excerpt of a vmlinux.h as `bpftool btf dump file /sys/kernel/btf/vmlinux format c` writes
// it (Linux 6.18, x86-64): the packet headers, with every struct under preserve_access_index,
// so that each access to them carries a CO-RE relocation. core_vmlinux.bpf.c is built with
// it instead of the uapi headers, as programs that include vmlinux.h are.
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef signed char __s8;
typedef unsigned char __u8;
typedef short int __s16;
typedef short unsigned int __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long int __s64;
typedef long long unsigned int __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u16 __sum16;

enum xdp_action {
  XDP_ABORTED = 0,
  XDP_DROP = 1,
  XDP_PASS = 2,
  XDP_TX = 3,
  XDP_REDIRECT = 4,
};

struct xdp_md {
  __u32 data;
  __u32 data_end;
  __u32 data_meta;
  __u32 ingress_ifindex;
  __u32 rx_queue_index;
  __u32 egress_ifindex;
};

struct ethhdr {
  unsigned char h_dest[6];
  unsigned char h_source[6];
  __be16 h_proto;
};

struct iphdr {
  __u8 ihl : 4;
  __u8 version : 4;
  __u8 tos;
  __be16 tot_len;
  __be16 id;
  __be16 frag_off;
  __u8 ttl;
  __u8 protocol;
  __sum16 check;
  union {
    struct {
      __be32 saddr;
      __be32 daddr;
    };
    struct {
      __be32 saddr;
      __be32 daddr;
    } addrs;
  };
};

struct in6_addr {
  union {
    __u8 u6_addr8[16];
    __be16 u6_addr16[8];
    __be32 u6_addr32[4];
  } in6_u;
};

struct ipv6hdr {
  __u8 priority : 4;
  __u8 version : 4;
  __u8 flow_lbl[3];
  __be16 payload_len;
  __u8 nexthdr;
  __u8 hop_limit;
  union {
    struct {
      struct in6_addr saddr;
      struct in6_addr daddr;
    };
    struct {
      struct in6_addr saddr;
      struct in6_addr daddr;
    } addrs;
  };
};

struct tcphdr {
  __be16 source;
  __be16 dest;
  __be32 seq;
  __be32 ack_seq;
  __u16 ae : 1;
  __u16 res1 : 3;
  __u16 doff : 4;
  __u16 fin : 1;
  __u16 syn : 1;
  __u16 rst : 1;
  __u16 psh : 1;
  __u16 ack : 1;
  __u16 urg : 1;
  __u16 ece : 1;
  __u16 cwr : 1;
  __be16 window;
  __sum16 check;
  __be16 urg_ptr;
};

struct udphdr {
  __be16 source;
  __be16 dest;
  __be16 len;
  __sum16 check;
};

struct task_struct {
  int pid;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
