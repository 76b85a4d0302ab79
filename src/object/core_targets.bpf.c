// The types xbpf describes to CO-RE: what a program built against vmlinux.h (or any other
// definition of them) is relocated to, as libbpf relocates it to the kernel's BTF. The wire
// formats of packet headers, and the uapi types of <linux/bpf.h>.
#include <linux/bpf.h>
#include <linux/if_arp.h>

#include <linux/if_ether.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/mpls.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <asm/ptrace.h>

// Packet headers the uapi headers do not export (the kernel's include/linux/if_vlan.h,
// include/net/gre.h): their layout is the wire's.
struct vlan_hdr {
  __be16 h_vlan_TCI;
  __be16 h_vlan_encapsulated_proto;
};
struct vlan_ethhdr {
  unsigned char h_dest[ETH_ALEN];
  unsigned char h_source[ETH_ALEN];
  __be16 h_vlan_proto;
  __be16 h_vlan_TCI;
  __be16 h_vlan_encapsulated_proto;
};
struct gre_base_hdr {
  __be16 flags;
  __be16 protocol;
};

#define DESCRIBE(type, name) type* xbpf_core_##name __attribute__((used))
DESCRIBE(struct ethhdr, ethhdr);
DESCRIBE(struct vlan_hdr, vlan_hdr);
DESCRIBE(struct vlan_ethhdr, vlan_ethhdr);
DESCRIBE(struct arphdr, arphdr);
DESCRIBE(struct iphdr, iphdr);
DESCRIBE(struct ipv6hdr, ipv6hdr);
DESCRIBE(struct ipv6_opt_hdr, ipv6_opt_hdr);
DESCRIBE(struct ipv6_rt_hdr, ipv6_rt_hdr);
DESCRIBE(struct frag_hdr, frag_hdr);
DESCRIBE(struct ip_auth_hdr, ip_auth_hdr);
DESCRIBE(struct ip_esp_hdr, ip_esp_hdr);
DESCRIBE(struct tcphdr, tcphdr);
DESCRIBE(struct udphdr, udphdr);
DESCRIBE(struct icmphdr, icmphdr);
DESCRIBE(struct icmp6hdr, icmp6hdr);
DESCRIBE(struct gre_base_hdr, gre_base_hdr);
DESCRIBE(struct mpls_label, mpls_label);
DESCRIBE(struct in_addr, in_addr);
DESCRIBE(struct in6_addr, in6_addr);
DESCRIBE(struct sockaddr_in, sockaddr_in);
DESCRIBE(struct sockaddr_in6, sockaddr_in6);
// <linux/bpf.h>: program contexts and what they point to, helper argument structs.
DESCRIBE(struct __sk_buff, sk_buff);
DESCRIBE(struct xdp_md, xdp_md);
DESCRIBE(struct bpf_sock_addr, bpf_sock_addr);
DESCRIBE(struct bpf_sock_ops, bpf_sock_ops);
DESCRIBE(struct bpf_sock, bpf_sock);
DESCRIBE(struct bpf_tcp_sock, bpf_tcp_sock);
DESCRIBE(struct bpf_xdp_sock, bpf_xdp_sock);
DESCRIBE(struct bpf_sock_tuple, bpf_sock_tuple);
DESCRIBE(struct sk_msg_md, sk_msg_md);
DESCRIBE(struct sk_reuseport_md, sk_reuseport_md);
DESCRIBE(struct bpf_flow_keys, bpf_flow_keys);
DESCRIBE(struct bpf_perf_event_data, bpf_perf_event_data);
DESCRIBE(struct bpf_raw_tracepoint_args, bpf_raw_tracepoint_args);
DESCRIBE(struct bpf_sockopt, bpf_sockopt);
DESCRIBE(struct bpf_sysctl, bpf_sysctl);
DESCRIBE(struct bpf_cgroup_dev_ctx, bpf_cgroup_dev_ctx);
DESCRIBE(struct bpf_sk_lookup, bpf_sk_lookup);
DESCRIBE(struct bpf_fib_lookup, bpf_fib_lookup);
DESCRIBE(struct bpf_tunnel_key, bpf_tunnel_key);
DESCRIBE(struct bpf_xfrm_state, bpf_xfrm_state);
DESCRIBE(struct bpf_spin_lock, bpf_spin_lock);
DESCRIBE(struct bpf_timer, bpf_timer);
DESCRIBE(struct bpf_pidns_info, bpf_pidns_info);
DESCRIBE(struct bpf_redir_neigh, bpf_redir_neigh);
DESCRIBE(struct pt_regs, pt_regs);
// Enumerations programs compare against.
DESCRIBE(enum xdp_action, xdp_action);
DESCRIBE(enum bpf_ret_code, bpf_ret_code);
DESCRIBE(enum sk_action, sk_action);
DESCRIBE(enum bpf_adj_room_mode, bpf_adj_room_mode);
DESCRIBE(enum bpf_hdr_start_off, bpf_hdr_start_off);
DESCRIBE(enum bpf_lwt_encap_mode, bpf_lwt_encap_mode);
DESCRIBE(enum bpf_func_id, bpf_func_id);
