// The helpers each program type may call, as the kernel's *_func_proto functions grant them
// (internal to the registry). Linux builds each type's set from shared groups: every type
// falls back to bpf_base_func_proto, networking types to bpf_sk_base_func_proto, tracing
// types to bpf_tracing_func_proto, cgroup types to cgroup_common_func_proto and
// cgroup_current_func_proto. The groups below are those functions; each type's set is its
// own switch plus the groups it falls back to.
//
// Capabilities: Linux grants some base helpers only with CAP_BPF (spin locks, timers, loops,
// callbacks, dynptrs) or CAP_PERFMON (trace_printk, probe_read_{user,kernel}, snprintf,
// current task); xbpf loads programs as a privileged user would and grants them all.
// Helpers that need a build option (CONFIG_INET, CONFIG_XFRM, CONFIG_SYN_COOKIES, ...) are
// granted as on a distribution kernel that enables them; those that depend on the expected
// attach type (bind, setsockopt, get_retval) are granted to the whole program type.
//
// The sets were checked against Linux 6.18's verifier by loading a call to every helper id
// as every program type (and each of its attach types); they agree but for override_return
// (needs CONFIG_BPF_KPROBE_OVERRIDE) and probe_write_user (refused under lockdown or without
// CAP_SYS_ADMIN), which xbpf grants as a kernel without those limits does.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "progtype/progtype.h"

namespace xbpf::progtype::helper_sets {

inline constexpr std::size_t kHelperCount = 0
#define XBPF_HELPER(...) +1
#include "progtype/helpers.def"
#undef XBPF_HELPER
    ;

// A sorted set of helper ids with static storage (ProgramTypeInfo::helpers points into it).
struct HelperSet {
  std::array<std::int32_t, kHelperCount> ids{};
  std::size_t count = 0;
  [[nodiscard]] constexpr std::span<const std::int32_t> span() const { return {ids.data(), count}; }
};

// The union of `groups`, sorted (ids are 1..kHelperCount without gaps).
constexpr HelperSet make_set(std::initializer_list<std::span<const HelperId>> groups) {
  std::array<bool, kHelperCount + 1> present{};
  for (std::span<const HelperId> group : groups) {
    for (HelperId id : group) present[static_cast<std::size_t>(id)] = true;
  }
  HelperSet set;
  for (std::size_t id = 1; id <= kHelperCount; ++id) {
    if (present[id]) set.ids[set.count++] = static_cast<std::int32_t>(id);
  }
  return set;
}

// `set` without `ids` (a set whose type grants some helpers only under some attach types).
constexpr HelperSet without(const HelperSet& set, std::initializer_list<HelperId> ids) {
  HelperSet out;
  for (std::size_t i = 0; i < set.count; ++i) {
    bool removed = false;
    for (HelperId id : ids) removed = removed || set.ids[i] == static_cast<std::int32_t>(id);
    if (!removed) out.ids[out.count++] = set.ids[i];
  }
  return out;
}

using enum HelperId;

// clang-format off
// ---- Groups shared by several program types ----

// bpf_base_func_proto (kernel/bpf/helpers.c): every program type, all capability tiers.
inline constexpr HelperId kBase[] = {
    // no capability needed
    map_lookup_elem, map_update_elem, map_delete_elem, map_push_elem, map_pop_elem,
    map_peek_elem, map_lookup_percpu_elem, get_prandom_u32, get_smp_processor_id,
    get_numa_node_id, tail_call, ktime_get_ns, ktime_get_boot_ns, ktime_get_tai_ns,
    ringbuf_output, ringbuf_reserve, ringbuf_submit, ringbuf_discard, ringbuf_query,
    strtol, strtoul, get_current_pid_tgid, get_ns_current_pid_tgid,
    // CAP_BPF
    spin_lock, spin_unlock, jiffies64, per_cpu_ptr, this_cpu_ptr, timer_init,
    timer_set_callback, timer_start, timer_cancel, kptr_xchg, for_each_map_elem, loop,
    strncmp, user_ringbuf_drain, ringbuf_reserve_dynptr, ringbuf_submit_dynptr,
    ringbuf_discard_dynptr, dynptr_from_mem, dynptr_read, dynptr_write, dynptr_data,
    cgrp_storage_get, cgrp_storage_delete, get_current_cgroup_id,
    get_current_ancestor_cgroup_id,
    // CAP_PERFMON
    trace_printk, trace_vprintk, get_current_task, get_current_task_btf, probe_read_user,
    probe_read_kernel, probe_read_user_str, probe_read_kernel_str, snprintf, snprintf_btf,
    task_pt_regs,
    // CAP_PERFMON: tracing helpers recent kernels grant to every type (6.18 does)
    get_current_uid_gid, get_current_comm, get_cgroup_classid, current_task_under_cgroup,
    perf_event_read, perf_event_read_value, send_signal, send_signal_thread, get_task_stack,
    task_storage_get, task_storage_delete, get_branch_snapshot, find_vma,
};

// bpf_sk_base_func_proto (net/core/filter.c): the socket casts (CAP_PERFMON) and
// ktime_get_coarse_ns, which Linux grants networking types but not tracing ones.
inline constexpr HelperId kSkBase[] = {
    skc_to_tcp6_sock,   skc_to_tcp_sock,   skc_to_tcp_timewait_sock, skc_to_tcp_request_sock,
    skc_to_udp6_sock,   skc_to_unix_sock,  skc_to_mptcp_sock,        ktime_get_coarse_ns,
};

// cgroup_common_func_proto and cgroup_current_func_proto (kernel/bpf/cgroup.c).
inline constexpr HelperId kCgroupCommon[] = {get_local_storage, get_retval, set_retval};
inline constexpr HelperId kCgroupCurrent[] = {get_current_uid_gid, get_current_comm,
                                              get_cgroup_classid, current_task_under_cgroup};

// bpf_tracing_func_proto (kernel/trace/bpf_trace.c) beyond the base, for non-sleepable
// programs (so without copy_from_user and copy_from_user_task). Linux refuses
// probe_write_user under lockdown or without CAP_SYS_ADMIN; get_func_ip is the tracing proto
// (kprobes have their own).
inline constexpr HelperId kTracing[] = {probe_read, probe_read_str, probe_write_user,
                                        get_func_ip};

// The networking helpers for sockets found by lookup (CONFIG_INET).
inline constexpr HelperId kSocketLookup[] = {sk_lookup_tcp, sk_lookup_udp, sk_release,
                                             skc_lookup_tcp};
inline constexpr HelperId kSynCookies[] = {
    tcp_check_syncookie,        tcp_gen_syncookie,          tcp_raw_gen_syncookie_ipv4,
    tcp_raw_gen_syncookie_ipv6, tcp_raw_check_syncookie_ipv4, tcp_raw_check_syncookie_ipv6,
};

// ---- Each program type's own switch ----

// sk_filter_func_proto (get_netns_cookie in recent kernels).
inline constexpr HelperId kSocketFilterOwn[] = {skb_load_bytes, skb_load_bytes_relative,
                                                get_socket_cookie, get_socket_uid,
                                                perf_event_output, get_netns_cookie};

// tc_cls_act_func_proto (get_netns_cookie in recent kernels).
inline constexpr HelperId kTcOwn[] = {
    skb_store_bytes,   skb_load_bytes,      skb_load_bytes_relative, skb_pull_data,
    csum_diff,         csum_update,         csum_level,              l3_csum_replace,
    l4_csum_replace,   clone_redirect,      get_cgroup_classid,      skb_vlan_push,
    skb_vlan_pop,      skb_change_proto,    skb_change_type,         skb_adjust_room,
    skb_change_tail,   skb_change_head,     skb_get_tunnel_key,      skb_set_tunnel_key,
    skb_get_tunnel_opt, skb_set_tunnel_opt, redirect,                redirect_neigh,
    redirect_peer,     get_route_realm,     get_hash_recalc,         set_hash_invalid,
    set_hash,          perf_event_output,   skb_under_cgroup,        get_socket_cookie,
    get_socket_uid,    fib_lookup,          check_mtu,               sk_fullsock,
    sk_storage_get,    sk_storage_delete,   skb_get_xfrm_state,      skb_cgroup_classid,
    skb_cgroup_id,     skb_ancestor_cgroup_id, tcp_sock,             get_listener_sock,
    skb_ecn_set_ce,    sk_assign,           skb_set_tstamp,          get_netns_cookie,
};

// xdp_func_proto.
inline constexpr HelperId kXdpOwn[] = {
    perf_event_output, csum_diff,       xdp_adjust_head,  xdp_adjust_meta, redirect,
    redirect_map,      xdp_adjust_tail, fib_lookup,       check_mtu,       xdp_get_buff_len,
    xdp_load_bytes,    xdp_store_bytes,
};

// cg_skb_func_proto (then sk_filter_func_proto, so get_netns_cookie); of
// cgroup_common_func_proto only get_local_storage (get_retval and set_retval are refused for
// ingress and egress).
inline constexpr HelperId kCgroupSkbOwn[] = {
    get_local_storage, sk_fullsock,   sk_storage_get,    sk_storage_delete, perf_event_output,
    skb_cgroup_id, skb_ancestor_cgroup_id, sk_cgroup_id, sk_ancestor_cgroup_id,
    tcp_sock,      get_listener_sock, skb_ecn_set_ce,
};

// sock_filter_func_proto (cgroup_sock).
inline constexpr HelperId kCgroupSockOwn[] = {get_socket_cookie, get_netns_cookie,
                                              perf_event_output, sk_storage_get,
                                              ktime_get_coarse_ns};

// sock_addr_func_proto (cgroup_sock_addr).
inline constexpr HelperId kCgroupSockAddrOwn[] = {
    bind,           get_socket_cookie, get_netns_cookie, perf_event_output,
    sk_storage_get, sk_storage_delete, setsockopt,       getsockopt,
};

// sock_ops_func_proto, with cgroup_common_func_proto's get_local_storage (get_retval and
// set_retval are refused for sock_ops).
inline constexpr HelperId kSockOpsOwn[] = {
    setsockopt,        getsockopt,       sock_ops_cb_flags_set, sock_map_update,
    sock_hash_update,  get_socket_cookie, perf_event_output,    sk_storage_get,
    sk_storage_delete, get_netns_cookie, load_hdr_opt,          store_hdr_opt,
    reserve_hdr_opt,   tcp_sock,         get_local_storage,
};

// sk_skb_func_proto.
inline constexpr HelperId kSkSkbOwn[] = {
    skb_store_bytes,   skb_load_bytes,  skb_pull_data,   skb_change_tail, skb_change_head,
    skb_adjust_room,   get_socket_cookie, get_socket_uid, sk_redirect_map, sk_redirect_hash,
    perf_event_output,
};

// sk_msg_func_proto.
inline constexpr HelperId kSkMsgOwn[] = {
    msg_redirect_map,  msg_redirect_hash, msg_apply_bytes,    msg_cork_bytes,
    msg_pull_data,     msg_push_data,     msg_pop_data,       perf_event_output,
    sk_storage_get,    sk_storage_delete, get_netns_cookie,   get_cgroup_classid,
    get_current_uid_gid, get_current_comm,
};

// flow_dissector_func_proto.
inline constexpr HelperId kFlowDissectorOwn[] = {skb_load_bytes};

// lwt_out_func_proto; lwt_in, lwt_xmit and lwt_seg6local add to it.
inline constexpr HelperId kLwtOut[] = {
    skb_load_bytes,    skb_pull_data,        csum_diff,        get_cgroup_classid,
    get_route_realm,   get_hash_recalc,      perf_event_output, skb_under_cgroup,
};
inline constexpr HelperId kLwtInOwn[] = {lwt_push_encap};
inline constexpr HelperId kLwtXmitOwn[] = {
    skb_get_tunnel_key, skb_set_tunnel_key, skb_get_tunnel_opt, skb_set_tunnel_opt,
    redirect,           clone_redirect,     skb_change_tail,    skb_change_head,
    skb_store_bytes,    csum_update,        csum_level,         l3_csum_replace,
    l4_csum_replace,    set_hash_invalid,   lwt_push_encap,
};
inline constexpr HelperId kLwtSeg6localOwn[] = {lwt_seg6_store_bytes, lwt_seg6_action,
                                                lwt_seg6_adjust_srh};

// kprobe_prog_func_proto, tp_prog_func_proto, pe_prog_func_proto, raw_tp_prog_func_proto
// (then bpf_tracing_func_proto).
inline constexpr HelperId kKprobeOwn[] = {perf_event_output, get_stackid,  get_stack,
                                          override_return,   get_func_ip,  get_attach_cookie};
inline constexpr HelperId kTracepointOwn[] = {perf_event_output, get_stackid, get_stack,
                                              get_attach_cookie};
inline constexpr HelperId kPerfEventOwn[] = {perf_event_output,    get_stackid,
                                             get_stack,            perf_prog_read_value,
                                             read_branch_records,  get_attach_cookie};
inline constexpr HelperId kRawTracepointOwn[] = {perf_event_output, get_stackid, get_stack,
                                                 get_attach_cookie};

// cgroup_dev_func_proto, sysctl_func_proto, cg_sockopt_func_proto.
inline constexpr HelperId kCgroupDeviceOwn[] = {perf_event_output};
inline constexpr HelperId kCgroupSysctlOwn[] = {sysctl_get_name, sysctl_get_current_value,
                                                sysctl_get_new_value, sysctl_set_new_value,
                                                perf_event_output, ktime_get_coarse_ns};
inline constexpr HelperId kCgroupSockoptOwn[] = {get_netns_cookie, sk_storage_get,
                                                 sk_storage_delete, setsockopt,
                                                 getsockopt,       tcp_sock,
                                                 perf_event_output};

// lirc_mode2_func_proto, sk_reuseport_func_proto, sk_lookup_func_proto.
inline constexpr HelperId kLircMode2Own[] = {rc_repeat, rc_keydown, rc_pointer_rel};
inline constexpr HelperId kSkReuseportOwn[] = {sk_select_reuseport, skb_load_bytes,
                                               skb_load_bytes_relative, get_socket_cookie,
                                               ktime_get_coarse_ns};
inline constexpr HelperId kSkLookupOwn[] = {perf_event_output, sk_assign, sk_release};

// ---- The sets ----

inline constexpr HelperSet kSocketFilter = make_set({kBase, kSkBase, kSocketFilterOwn});
inline constexpr HelperSet kTc =
    make_set({kBase, kSkBase, kTcOwn, kSocketLookup, kSynCookies});
inline constexpr HelperSet kXdp =
    make_set({kBase, kSkBase, kXdpOwn, kSocketLookup, kSynCookies});
inline constexpr HelperSet kCgroupSkb = make_set({kBase, kSkBase, kSocketFilterOwn, kCgroupSkbOwn, kSocketLookup});
inline constexpr HelperSet kCgroupSock =
    make_set({kBase, kCgroupCommon, kCgroupCurrent, kCgroupSockOwn});
inline constexpr HelperSet kCgroupSockAddr = make_set(
    {kBase, kSkBase, kCgroupCommon, kCgroupCurrent, kCgroupSockAddrOwn, kSocketLookup});
// By attach type (sock_addr_func_proto, cgroup_common_func_proto): bind for connect4/6 only;
// no get_retval/set_retval where the call cannot fail (recvmsg, getpeername, getsockname).
inline constexpr HelperSet kCgroupSockAddrNoBind = without(kCgroupSockAddr, {bind});
inline constexpr HelperSet kCgroupSockAddrCannotFail =
    without(kCgroupSockAddr, {bind, get_retval, set_retval});
inline constexpr HelperSet kSockOps = make_set({kBase, kSkBase, kSockOpsOwn});
inline constexpr HelperSet kSkSkb = make_set({kBase, kSkBase, kSkSkbOwn, kSocketLookup});
inline constexpr HelperSet kSkMsg = make_set({kBase, kSkBase, kSkMsgOwn});
inline constexpr HelperSet kFlowDissector = make_set({kBase, kSkBase, kFlowDissectorOwn});
inline constexpr HelperSet kLwtIn = make_set({kBase, kSkBase, kLwtOut, kLwtInOwn});
inline constexpr HelperSet kLwtOutSet = make_set({kBase, kSkBase, kLwtOut});
inline constexpr HelperSet kLwtXmit = make_set({kBase, kSkBase, kLwtOut, kLwtXmitOwn});
inline constexpr HelperSet kLwtSeg6local =
    make_set({kBase, kSkBase, kLwtOut, kLwtSeg6localOwn});
inline constexpr HelperSet kKprobe = make_set({kBase, kTracing, kKprobeOwn});
inline constexpr HelperSet kTracepoint = make_set({kBase, kTracing, kTracepointOwn});
inline constexpr HelperSet kPerfEvent = make_set({kBase, kTracing, kPerfEventOwn});
inline constexpr HelperSet kRawTracepoint = make_set({kBase, kTracing, kRawTracepointOwn});
inline constexpr HelperSet kCgroupDevice =
    make_set({kBase, kCgroupCommon, kCgroupCurrent, kCgroupDeviceOwn});
inline constexpr HelperSet kCgroupSysctl =
    make_set({kBase, kCgroupCommon, kCgroupCurrent, kCgroupSysctlOwn});
inline constexpr HelperSet kCgroupSockopt =
    make_set({kBase, kCgroupCommon, kCgroupCurrent, kCgroupSockoptOwn});
inline constexpr HelperSet kLircMode2 = make_set({kBase, kLircMode2Own});
inline constexpr HelperSet kSkReuseport = make_set({kBase, kSkReuseportOwn});
inline constexpr HelperSet kSkLookup = make_set({kBase, kSkBase, kSkLookupOwn});
// clang-format on

}  // namespace xbpf::progtype::helper_sets
