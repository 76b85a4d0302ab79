// libbpf's section-name table (section_defs[] in libbpf.c, documented in
// Documentation/bpf/libbpf/program_types.rst), in libbpf's order: the first entry that matches
// wins. A name ending in '+' matches exactly or followed by '/' and extras ("kprobe" and
// "kprobe/do_sys_open", not "kprobe2"); a name ending in '/' is a prefix that needs extras;
// any other name must match exactly.
#include <array>

#include "progtype/progtype.h"

namespace xbpf::progtype {
namespace {

using P = ProgramType;
using A = AttachType;

// Attach types newer than the enumerators progtype.h names (numbers from <linux/bpf.h>).
constexpr A kCgroupUnixConnect = static_cast<A>(49);
constexpr A kCgroupUnixSendmsg = static_cast<A>(50);
constexpr A kCgroupUnixRecvmsg = static_cast<A>(51);
constexpr A kCgroupUnixGetpeername = static_cast<A>(52);
constexpr A kCgroupUnixGetsockname = static_cast<A>(53);
constexpr A kNetkitPrimary = static_cast<A>(54);
constexpr A kNetkitPeer = static_cast<A>(55);
constexpr A kTraceKprobeSession = static_cast<A>(56);
constexpr A kTraceUprobeSession = static_cast<A>(57);

struct SectionDef {
  std::string_view name;
  ProgramType type;
  AttachType attach;
};

// libbpf leaves expected_attach_type 0 for the types it does not attach by section; xbpf says
// `none` there. BPF_CGROUP_INET_INGRESS is also 0, so cgroup_skb/ingress names it explicitly.
constexpr std::array kSections = {
    SectionDef{"socket", P::socket_filter, A::none},
    SectionDef{"sk_reuseport/migrate", P::sk_reuseport, A::sk_reuseport_select_or_migrate},
    SectionDef{"sk_reuseport", P::sk_reuseport, A::sk_reuseport_select},
    SectionDef{"kprobe+", P::kprobe, A::none},
    SectionDef{"uprobe+", P::kprobe, A::none},
    SectionDef{"uprobe.s+", P::kprobe, A::none},
    SectionDef{"kretprobe+", P::kprobe, A::none},
    SectionDef{"uretprobe+", P::kprobe, A::none},
    SectionDef{"uretprobe.s+", P::kprobe, A::none},
    SectionDef{"kprobe.multi+", P::kprobe, A::trace_kprobe_multi},
    SectionDef{"kretprobe.multi+", P::kprobe, A::trace_kprobe_multi},
    SectionDef{"kprobe.session+", P::kprobe, kTraceKprobeSession},
    SectionDef{"uprobe.multi+", P::kprobe, A::trace_uprobe_multi},
    SectionDef{"uretprobe.multi+", P::kprobe, A::trace_uprobe_multi},
    SectionDef{"uprobe.multi.s+", P::kprobe, A::trace_uprobe_multi},
    SectionDef{"uretprobe.multi.s+", P::kprobe, A::trace_uprobe_multi},
    SectionDef{"uprobe.session+", P::kprobe, kTraceUprobeSession},
    SectionDef{"uprobe.session.s+", P::kprobe, kTraceUprobeSession},
    SectionDef{"ksyscall+", P::kprobe, A::none},
    SectionDef{"kretsyscall+", P::kprobe, A::none},
    SectionDef{"usdt+", P::kprobe, A::none},
    SectionDef{"usdt.s+", P::kprobe, A::none},
    SectionDef{"tc/ingress", P::sched_cls, A::tcx_ingress},  // alias of tcx/ingress
    SectionDef{"tc/egress", P::sched_cls, A::tcx_egress},    // alias of tcx/egress
    SectionDef{"tcx/ingress", P::sched_cls, A::tcx_ingress},
    SectionDef{"tcx/egress", P::sched_cls, A::tcx_egress},
    SectionDef{"netkit/primary", P::sched_cls, kNetkitPrimary},
    SectionDef{"netkit/peer", P::sched_cls, kNetkitPeer},
    SectionDef{"tc", P::sched_cls, A::none},
    SectionDef{"classifier", P::sched_cls, A::none},
    SectionDef{"action", P::sched_act, A::none},
    SectionDef{"tracepoint+", P::tracepoint, A::none},
    SectionDef{"tp+", P::tracepoint, A::none},
    SectionDef{"raw_tracepoint+", P::raw_tracepoint, A::none},
    SectionDef{"raw_tp+", P::raw_tracepoint, A::none},
    SectionDef{"raw_tracepoint.w+", P::raw_tracepoint_writable, A::none},
    SectionDef{"raw_tp.w+", P::raw_tracepoint_writable, A::none},
    SectionDef{"tp_btf+", P::tracing, A::trace_raw_tp},
    SectionDef{"fentry+", P::tracing, A::trace_fentry},
    SectionDef{"fmod_ret+", P::tracing, A::modify_return},
    SectionDef{"fexit+", P::tracing, A::trace_fexit},
    SectionDef{"fentry.s+", P::tracing, A::trace_fentry},
    SectionDef{"fmod_ret.s+", P::tracing, A::modify_return},
    SectionDef{"fexit.s+", P::tracing, A::trace_fexit},
    SectionDef{"freplace+", P::ext, A::none},
    SectionDef{"lsm+", P::lsm, A::lsm_mac},
    SectionDef{"lsm.s+", P::lsm, A::lsm_mac},
    SectionDef{"lsm_cgroup+", P::lsm, A::lsm_cgroup},
    SectionDef{"iter+", P::tracing, A::trace_iter},
    SectionDef{"iter.s+", P::tracing, A::trace_iter},
    SectionDef{"syscall", P::syscall, A::none},
    SectionDef{"xdp.frags/devmap", P::xdp, A::xdp_devmap},
    SectionDef{"xdp/devmap", P::xdp, A::xdp_devmap},
    SectionDef{"xdp.frags/cpumap", P::xdp, A::xdp_cpumap},
    SectionDef{"xdp/cpumap", P::xdp, A::xdp_cpumap},
    SectionDef{"xdp.frags", P::xdp, A::xdp},
    SectionDef{"xdp", P::xdp, A::xdp},
    SectionDef{"perf_event", P::perf_event, A::none},
    SectionDef{"lwt_in", P::lwt_in, A::none},
    SectionDef{"lwt_out", P::lwt_out, A::none},
    SectionDef{"lwt_xmit", P::lwt_xmit, A::none},
    SectionDef{"lwt_seg6local", P::lwt_seg6local, A::none},
    SectionDef{"sockops", P::sock_ops, A::cgroup_sock_ops},
    SectionDef{"sk_skb/stream_parser", P::sk_skb, A::sk_skb_stream_parser},
    SectionDef{"sk_skb/stream_verdict", P::sk_skb, A::sk_skb_stream_verdict},
    SectionDef{"sk_skb/verdict", P::sk_skb, A::sk_skb_verdict},
    SectionDef{"sk_skb", P::sk_skb, A::none},
    SectionDef{"sk_msg", P::sk_msg, A::sk_msg_verdict},
    SectionDef{"lirc_mode2", P::lirc_mode2, A::lirc_mode2},
    SectionDef{"flow_dissector", P::flow_dissector, A::flow_dissector},
    SectionDef{"cgroup_skb/ingress", P::cgroup_skb, A::cgroup_inet_ingress},
    SectionDef{"cgroup_skb/egress", P::cgroup_skb, A::cgroup_inet_egress},
    SectionDef{"cgroup/skb", P::cgroup_skb, A::none},
    SectionDef{"cgroup/sock_create", P::cgroup_sock, A::cgroup_inet_sock_create},
    SectionDef{"cgroup/sock_release", P::cgroup_sock, A::cgroup_inet_sock_release},
    SectionDef{"cgroup/sock", P::cgroup_sock, A::cgroup_inet_sock_create},
    SectionDef{"cgroup/post_bind4", P::cgroup_sock, A::cgroup_inet4_post_bind},
    SectionDef{"cgroup/post_bind6", P::cgroup_sock, A::cgroup_inet6_post_bind},
    SectionDef{"cgroup/bind4", P::cgroup_sock_addr, A::cgroup_inet4_bind},
    SectionDef{"cgroup/bind6", P::cgroup_sock_addr, A::cgroup_inet6_bind},
    SectionDef{"cgroup/connect4", P::cgroup_sock_addr, A::cgroup_inet4_connect},
    SectionDef{"cgroup/connect6", P::cgroup_sock_addr, A::cgroup_inet6_connect},
    SectionDef{"cgroup/connect_unix", P::cgroup_sock_addr, kCgroupUnixConnect},
    SectionDef{"cgroup/sendmsg4", P::cgroup_sock_addr, A::cgroup_udp4_sendmsg},
    SectionDef{"cgroup/sendmsg6", P::cgroup_sock_addr, A::cgroup_udp6_sendmsg},
    SectionDef{"cgroup/sendmsg_unix", P::cgroup_sock_addr, kCgroupUnixSendmsg},
    SectionDef{"cgroup/recvmsg4", P::cgroup_sock_addr, A::cgroup_udp4_recvmsg},
    SectionDef{"cgroup/recvmsg6", P::cgroup_sock_addr, A::cgroup_udp6_recvmsg},
    SectionDef{"cgroup/recvmsg_unix", P::cgroup_sock_addr, kCgroupUnixRecvmsg},
    SectionDef{"cgroup/getpeername4", P::cgroup_sock_addr, A::cgroup_inet4_getpeername},
    SectionDef{"cgroup/getpeername6", P::cgroup_sock_addr, A::cgroup_inet6_getpeername},
    SectionDef{"cgroup/getpeername_unix", P::cgroup_sock_addr, kCgroupUnixGetpeername},
    SectionDef{"cgroup/getsockname4", P::cgroup_sock_addr, A::cgroup_inet4_getsockname},
    SectionDef{"cgroup/getsockname6", P::cgroup_sock_addr, A::cgroup_inet6_getsockname},
    SectionDef{"cgroup/getsockname_unix", P::cgroup_sock_addr, kCgroupUnixGetsockname},
    SectionDef{"cgroup/sysctl", P::cgroup_sysctl, A::cgroup_sysctl},
    SectionDef{"cgroup/getsockopt", P::cgroup_sockopt, A::cgroup_getsockopt},
    SectionDef{"cgroup/setsockopt", P::cgroup_sockopt, A::cgroup_setsockopt},
    SectionDef{"cgroup/dev", P::cgroup_device, A::cgroup_device},
    SectionDef{"struct_ops+", P::struct_ops, A::none},
    SectionDef{"struct_ops.s+", P::struct_ops, A::none},
    SectionDef{"sk_lookup", P::sk_lookup, A::sk_lookup},
    SectionDef{"netfilter", P::netfilter, A::netfilter},
};

bool matches(std::string_view pattern, std::string_view section) {
  if (pattern.ends_with('/')) return section.starts_with(pattern);
  if (pattern.ends_with('+')) {
    pattern.remove_suffix(1);
    if (!section.starts_with(pattern)) return false;
    return section.size() == pattern.size() || section[pattern.size()] == '/';
  }
  return section == pattern;
}

}  // namespace

std::optional<SectionMatch> program_type_for_section(std::string_view section) {
  for (const SectionDef& def : kSections) {
    if (matches(def.name, section)) return SectionMatch{def.type, def.attach};
  }
  return std::nullopt;
}

}  // namespace xbpf::progtype
