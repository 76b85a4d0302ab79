// The program types: context layout (context_layouts.h, skb_fields.def), allowed helpers
// (helper_sets.h) and valid return values, one row per type in enum bpf_prog_type order.
//
// Return values follow the kernel's check_return_code: cgroup_sock, sock_ops, cgroup_device,
// cgroup_sysctl, cgroup_sockopt and cgroup_sock_addr must return 0 or 1 (with the attach-type
// refinements of kAttachReturns below), cgroup_skb 0 or 1 (0..3 on egress), sk_lookup SK_DROP
// or SK_PASS; Linux checks nothing for the others (XDP's unknown actions, for one, are
// refused when the program runs, not when it loads).
#include <algorithm>

#include "progtype/context_layouts.h"
#include "progtype/helper_sets.h"
#include "progtype/progtype.h"

namespace xbpf::progtype {
namespace {

namespace hs = helper_sets;
namespace ly = layout;

constexpr ReturnRange kZeroOrOne{0, 1};

// Context and return rules for a type with a fixed set of readable fields.
constexpr ProgramTypeInfo typed(ProgramType type, std::string_view name, std::string_view context,
                                std::uint32_t context_size, std::span<const ContextField> fields,
                                ReturnRange returns, const hs::HelperSet& helpers) {
  return {type, name, context, context_size, fields, false, 0, returns, helpers.span()};
}

// A tracing type: any read inside the context from `read_from` on.
constexpr ProgramTypeInfo tracing(ProgramType type, std::string_view name, std::string_view context,
                                  std::uint32_t context_size, std::span<const ContextField> fields,
                                  std::uint32_t read_from, const hs::HelperSet& helpers) {
  return {type, name, context, context_size, fields, true, read_from, kAnyReturn, helpers.span()};
}

using P = ProgramType;

constexpr ProgramTypeInfo kProgramTypes[] = {
    typed(P::socket_filter, "socket_filter", "__sk_buff", ly::kSkBuffSize, ly::kSocketFilterSkb,
          kAnyReturn, hs::kSocketFilter),
    tracing(P::kprobe, "kprobe", "pt_regs", ly::kPtRegsSize, ly::kPtRegs, 0, hs::kKprobe),
    typed(P::sched_cls, "sched_cls", "__sk_buff", ly::kSkBuffSize, ly::kTcSkb, kAnyReturn, hs::kTc),
    typed(P::sched_act, "sched_act", "__sk_buff", ly::kSkBuffSize, ly::kTcSkb, kAnyReturn, hs::kTc),
    tracing(P::tracepoint, "tracepoint", "trace event record", ly::kTraceRecordSize, {},
            ly::kTraceRecordFirstReadable, hs::kTracepoint),
    typed(P::xdp, "xdp", "xdp_md", 24, ly::kXdpMd, kAnyReturn, hs::kXdp),
    tracing(P::perf_event, "perf_event", "bpf_perf_event_data", 184, ly::kBpfPerfEventData, 0,
            hs::kPerfEvent),
    typed(P::cgroup_skb, "cgroup_skb", "__sk_buff", ly::kSkBuffSize, ly::kCgroupSkbSkb, kZeroOrOne,
          hs::kCgroupSkb),
    typed(P::cgroup_sock, "cgroup_sock", "bpf_sock", 80, ly::kBpfSock, kZeroOrOne, hs::kCgroupSock),
    typed(P::lwt_in, "lwt_in", "__sk_buff", ly::kSkBuffSize, ly::kLwtSkb, kAnyReturn, hs::kLwtIn),
    typed(P::lwt_out, "lwt_out", "__sk_buff", ly::kSkBuffSize, ly::kLwtSkb, kAnyReturn,
          hs::kLwtOutSet),
    typed(P::lwt_xmit, "lwt_xmit", "__sk_buff", ly::kSkBuffSize, ly::kLwtSkb, kAnyReturn,
          hs::kLwtXmit),
    typed(P::sock_ops, "sock_ops", "bpf_sock_ops", ly::kBpfSockOpsSize, ly::kBpfSockOps, kZeroOrOne,
          hs::kSockOps),
    typed(P::sk_skb, "sk_skb", "__sk_buff", ly::kSkBuffSize, ly::kSkSkbSkb, kAnyReturn, hs::kSkSkb),
    typed(P::cgroup_device, "cgroup_device", "bpf_cgroup_dev_ctx", 12, ly::kBpfCgroupDevCtx,
          kZeroOrOne, hs::kCgroupDevice),
    typed(P::sk_msg, "sk_msg", "sk_msg_md", 80, ly::kSkMsgMd, kAnyReturn, hs::kSkMsg),
    tracing(P::raw_tracepoint, "raw_tracepoint", "bpf_raw_tracepoint_args",
            ly::kRawTracepointArgsSize, ly::kRawTracepointArgs, 0, hs::kRawTracepoint),
    typed(P::cgroup_sock_addr, "cgroup_sock_addr", "bpf_sock_addr", 72, ly::kBpfSockAddr,
          kZeroOrOne, hs::kCgroupSockAddr),
    typed(P::lwt_seg6local, "lwt_seg6local", "__sk_buff", ly::kSkBuffSize, ly::kLwtSkb, kAnyReturn,
          hs::kLwtSeg6local),
    typed(P::lirc_mode2, "lirc_mode2", "u32", 4, ly::kLircSample, kAnyReturn, hs::kLircMode2),
    typed(P::sk_reuseport, "sk_reuseport", "sk_reuseport_md", 56, ly::kSkReuseportMd, kAnyReturn,
          hs::kSkReuseport),
    typed(P::flow_dissector, "flow_dissector", "__sk_buff", ly::kSkBuffSize, ly::kFlowDissectorSkb,
          kAnyReturn, hs::kFlowDissector),
    typed(P::cgroup_sysctl, "cgroup_sysctl", "bpf_sysctl", 8, ly::kBpfSysctl, kZeroOrOne,
          hs::kCgroupSysctl),
    typed(P::cgroup_sockopt, "cgroup_sockopt", "bpf_sockopt", 40, ly::kBpfSockopt, kZeroOrOne,
          hs::kCgroupSockopt),
    typed(P::sk_lookup, "sk_lookup", "bpf_sk_lookup", 72, ly::kBpfSkLookup, kZeroOrOne,
          hs::kSkLookup),
};

constexpr bool sorted_by_type() {
  for (std::size_t i = 1; i < std::size(kProgramTypes); ++i) {
    if (kProgramTypes[i - 1].type >= kProgramTypes[i].type) return false;
  }
  return true;
}
static_assert(sorted_by_type(), "kProgramTypes must follow enum bpf_prog_type");

// check_return_code's refinements by expected attach type.
struct AttachReturn {
  ProgramType type;
  AttachType attach;
  ReturnRange returns;
};

// Attach types past the enumerators progtype.h names (numbers from <linux/bpf.h>).
constexpr AttachType kCgroupUnixConnect = static_cast<AttachType>(49);
constexpr AttachType kCgroupUnixSendmsg = static_cast<AttachType>(50);
constexpr AttachType kCgroupUnixRecvmsg = static_cast<AttachType>(51);
constexpr AttachType kCgroupUnixGetpeername = static_cast<AttachType>(52);
constexpr AttachType kCgroupUnixGetsockname = static_cast<AttachType>(53);

constexpr ReturnRange kOne{1, 1};
constexpr ReturnRange kZeroToThree{0, 3};

constexpr AttachReturn kAttachReturns[] = {
    // Bit 1 asks for congestion notification (BPF_RET_SET_CN).
    {P::cgroup_skb, AttachType::cgroup_inet_egress, kZeroToThree},
    // Bit 1 skips the kernel's own port checks (BPF_RET_BIND_NO_CAP_NET_BIND_SERVICE).
    {P::cgroup_sock_addr, AttachType::cgroup_inet4_bind, kZeroToThree},
    {P::cgroup_sock_addr, AttachType::cgroup_inet6_bind, kZeroToThree},
    // Hooks that cannot refuse: the program may only rewrite the address.
    {P::cgroup_sock_addr, AttachType::cgroup_udp4_recvmsg, kOne},
    {P::cgroup_sock_addr, AttachType::cgroup_udp6_recvmsg, kOne},
    {P::cgroup_sock_addr, kCgroupUnixRecvmsg, kOne},
    {P::cgroup_sock_addr, AttachType::cgroup_inet4_getpeername, kOne},
    {P::cgroup_sock_addr, AttachType::cgroup_inet6_getpeername, kOne},
    {P::cgroup_sock_addr, kCgroupUnixGetpeername, kOne},
    {P::cgroup_sock_addr, AttachType::cgroup_inet4_getsockname, kOne},
    {P::cgroup_sock_addr, AttachType::cgroup_inet6_getsockname, kOne},
    {P::cgroup_sock_addr, kCgroupUnixGetsockname, kOne},
};

// cgroup_sock_addr as each attach type has it (sock_addr_is_valid_access,
// sock_addr_func_proto). Attach types without a row get the type's own entry.
struct AttachVariant {
  AttachType attach;
  ProgramTypeInfo info;
};

constexpr ProgramTypeInfo sock_addr(std::span<const ContextField> fields,
                                    const hs::HelperSet& helpers) {
  return typed(P::cgroup_sock_addr, "cgroup_sock_addr", "bpf_sock_addr", 72, fields, kZeroOrOne,
               helpers);
}

constexpr AttachVariant kSockAddrVariants[] = {
    {AttachType::cgroup_inet4_bind, sock_addr(ly::kBpfSockAddr4, hs::kCgroupSockAddrNoBind)},
    {AttachType::cgroup_inet6_bind, sock_addr(ly::kBpfSockAddr6, hs::kCgroupSockAddrNoBind)},
    {AttachType::cgroup_inet4_connect, sock_addr(ly::kBpfSockAddr4, hs::kCgroupSockAddr)},
    {AttachType::cgroup_inet6_connect, sock_addr(ly::kBpfSockAddr6, hs::kCgroupSockAddr)},
    {AttachType::cgroup_udp4_sendmsg,
     sock_addr(ly::kBpfSockAddrSendmsg4, hs::kCgroupSockAddrNoBind)},
    {AttachType::cgroup_udp6_sendmsg,
     sock_addr(ly::kBpfSockAddrSendmsg6, hs::kCgroupSockAddrNoBind)},
    {AttachType::cgroup_udp4_recvmsg, sock_addr(ly::kBpfSockAddr4, hs::kCgroupSockAddrCannotFail)},
    {AttachType::cgroup_udp6_recvmsg, sock_addr(ly::kBpfSockAddr6, hs::kCgroupSockAddrCannotFail)},
    {AttachType::cgroup_inet4_getpeername,
     sock_addr(ly::kBpfSockAddr4, hs::kCgroupSockAddrCannotFail)},
    {AttachType::cgroup_inet6_getpeername,
     sock_addr(ly::kBpfSockAddr6, hs::kCgroupSockAddrCannotFail)},
    {AttachType::cgroup_inet4_getsockname,
     sock_addr(ly::kBpfSockAddr4, hs::kCgroupSockAddrCannotFail)},
    {AttachType::cgroup_inet6_getsockname,
     sock_addr(ly::kBpfSockAddr6, hs::kCgroupSockAddrCannotFail)},
    {kCgroupUnixConnect, sock_addr(ly::kBpfSockAddrUnix, hs::kCgroupSockAddrNoBind)},
    {kCgroupUnixSendmsg, sock_addr(ly::kBpfSockAddrUnix, hs::kCgroupSockAddrNoBind)},
    {kCgroupUnixRecvmsg, sock_addr(ly::kBpfSockAddrUnix, hs::kCgroupSockAddrCannotFail)},
    {kCgroupUnixGetpeername, sock_addr(ly::kBpfSockAddrUnix, hs::kCgroupSockAddrCannotFail)},
    {kCgroupUnixGetsockname, sock_addr(ly::kBpfSockAddrUnix, hs::kCgroupSockAddrCannotFail)},
};

}  // namespace

const ProgramTypeInfo* program_type_for(ProgramType type, AttachType attach) {
  if (type == P::cgroup_sock_addr) {
    for (const AttachVariant& variant : kSockAddrVariants) {
      if (variant.attach == attach) return &variant.info;
    }
  }
  return program_type(type);
}

bool ProgramTypeInfo::allows_helper(std::int32_t id) const {
  return std::binary_search(helpers.begin(), helpers.end(), id);
}

const ContextField* ProgramTypeInfo::field_at(std::uint32_t offset) const {
  for (const ContextField& field : fields) {
    if (offset >= field.offset && offset < std::uint32_t{field.offset} + field.size) return &field;
  }
  return nullptr;
}

ReturnRange ProgramTypeInfo::returns_for(AttachType attach) const {
  for (const AttachReturn& rule : kAttachReturns) {
    if (rule.type == type && rule.attach == attach) return rule.returns;
  }
  return returns;
}

const ProgramTypeInfo* program_type(ProgramType type) {
  for (const ProgramTypeInfo& info : kProgramTypes) {
    if (info.type == type) return &info;
  }
  return nullptr;
}

std::span<const ProgramTypeInfo> all_program_types() { return kProgramTypes; }

const ProgramTypeInfo* program_type_named(std::string_view name) {
  for (const ProgramTypeInfo& info : kProgramTypes) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string_view field_kind_name(FieldKind kind) {
  switch (kind) {
    case FieldKind::scalar: return "scalar";
    case FieldKind::packet_start: return "packet_start";
    case FieldKind::packet_end: return "packet_end";
    case FieldKind::packet_meta: return "packet_meta";
    case FieldKind::socket: return "socket";
    case FieldKind::socket_or_null: return "socket_or_null";
    case FieldKind::sock_common_or_null: return "sock_common_or_null";
    case FieldKind::flow_keys: return "flow_keys";
  }
  return "?";
}

}  // namespace xbpf::progtype
