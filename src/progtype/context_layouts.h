// The context layouts of the program types (internal to the registry): the readable fields of
// each uapi context struct, with their offsets and sizes from <linux/bpf.h> (x86-64), their
// kinds and whether the program may write them. The rules restate the kernel's
// *_is_valid_access functions (net/core/filter.c, kernel/trace/bpf_trace.c,
// kernel/bpf/cgroup.c); tests check every offset and size against the uapi headers.
//
// Where the kernel decides by expected attach type (cgroup_sock's bound_dev_if, mark and
// priority are writable only for sock_create and sock_release; cgroup_sockopt's level and
// optname are writable only for setsockopt, retval only for getsockopt), the field is listed
// with the most its program type allows; cgroup_sock_addr has a list per attach type as well
// (program_type_for). Access sizes (narrow loads, 8-byte pointer loads) are the verifier's
// business.
#pragma once

#include <array>
#include <cstddef>

#include "progtype/progtype.h"

namespace xbpf::progtype::layout {

constexpr ContextField read_only(std::string_view name, std::uint16_t offset, std::uint8_t size,
                                 FieldKind kind = FieldKind::scalar) {
  return {name, offset, size, kind, false};
}
constexpr ContextField writable(std::string_view name, std::uint16_t offset, std::uint8_t size) {
  return {name, offset, size, FieldKind::scalar, true};
}

using enum FieldKind;

// ---- struct __sk_buff (skb_fields.def), one column per family of program types ----

enum class Access : std::uint8_t { no, ro, rw };
enum SkbColumn : std::size_t {
  socket_filter_column,
  tc_column,
  cgroup_skb_column,
  sk_skb_column,
  lwt_column,
  flow_dissector_column
};

struct SkbRow {
  ContextField field;
  std::array<Access, 6> access;
};

inline constexpr SkbRow kSkbRows[] = {
#define XBPF_SKB_FIELD(name, offset, size, kind, sf, tc, cg, sk, lwt, fd) \
  {read_only(#name, offset, size, kind),                                  \
   {Access::sf, Access::tc, Access::cg, Access::sk, Access::lwt, Access::fd}},
#include "progtype/skb_fields.def"
#undef XBPF_SKB_FIELD
};
inline constexpr std::uint32_t kSkBuffSize = 192;

// The fields of __sk_buff one column can read, flagged writable where it may write.
template <SkbColumn column>
constexpr auto skb_fields() {
  constexpr std::size_t count = [] {
    std::size_t n = 0;
    for (const SkbRow& row : kSkbRows) n += row.access[column] != Access::no ? 1 : 0;
    return n;
  }();
  std::array<ContextField, count> out{};
  std::size_t i = 0;
  for (const SkbRow& row : kSkbRows) {
    if (row.access[column] == Access::no) continue;
    out[i] = row.field;
    out[i].writable = row.access[column] == Access::rw;
    ++i;
  }
  return out;
}

inline constexpr auto kSocketFilterSkb = skb_fields<socket_filter_column>();
inline constexpr auto kTcSkb = skb_fields<tc_column>();
inline constexpr auto kCgroupSkbSkb = skb_fields<cgroup_skb_column>();
inline constexpr auto kSkSkbSkb = skb_fields<sk_skb_column>();
inline constexpr auto kLwtSkb = skb_fields<lwt_column>();
inline constexpr auto kFlowDissectorSkb = skb_fields<flow_dissector_column>();

// clang-format off
// ---- struct xdp_md (xdp_is_valid_access): nothing writable; egress_ifindex is Linux's
// only for devmap programs ----

inline constexpr ContextField kXdpMd[] = {
    read_only("data", 0, 4, packet_start),
    read_only("data_end", 4, 4, packet_end),
    read_only("data_meta", 8, 4, packet_meta),
    read_only("ingress_ifindex", 12, 4),
    read_only("rx_queue_index", 16, 4),
    read_only("egress_ifindex", 20, 4),
};

// ---- struct bpf_sock (sock_filter_is_valid_access, cgroup_sock): dst_port is the __be16
// field (Linux also takes a 4-byte load there, reading the zero padding) ----

inline constexpr ContextField kBpfSock[] = {
    writable("bound_dev_if", 0, 4),
    read_only("family", 4, 4),
    read_only("type", 8, 4),
    read_only("protocol", 12, 4),
    writable("mark", 16, 4),
    writable("priority", 20, 4),
    read_only("src_ip4", 24, 4),
    read_only("src_ip6", 28, 16),
    read_only("src_port", 44, 4),
    read_only("dst_port", 48, 2),
    read_only("dst_ip4", 52, 4),
    read_only("dst_ip6", 56, 16),
    read_only("state", 72, 4),
    read_only("rx_queue_mapping", 76, 4),
};

// ---- struct bpf_sock_addr (sock_addr_is_valid_access) ----

// With any expected attach type (kBpfSockAddr), then as each attach type has it: user_ip4 in
// IPv4 hooks, user_ip6 in IPv6 hooks, neither in AF_UNIX hooks; msg_src_ip4 and msg_src_ip6
// in sendmsg4 and sendmsg6 only.
inline constexpr ContextField kBpfSockAddr[] = {
    read_only("user_family", 0, 4),
    writable("user_ip4", 4, 4),
    writable("user_ip6", 8, 16),
    writable("user_port", 24, 4),
    read_only("family", 28, 4),
    read_only("type", 32, 4),
    read_only("protocol", 36, 4),
    writable("msg_src_ip4", 40, 4),
    writable("msg_src_ip6", 44, 16),
    read_only("sk", 64, 8, socket),
};
inline constexpr ContextField kBpfSockAddr4[] = {
    read_only("user_family", 0, 4), writable("user_ip4", 4, 4),  writable("user_port", 24, 4),
    read_only("family", 28, 4),     read_only("type", 32, 4),    read_only("protocol", 36, 4),
    read_only("sk", 64, 8, socket),
};
inline constexpr ContextField kBpfSockAddr6[] = {
    read_only("user_family", 0, 4), writable("user_ip6", 8, 16), writable("user_port", 24, 4),
    read_only("family", 28, 4),     read_only("type", 32, 4),    read_only("protocol", 36, 4),
    read_only("sk", 64, 8, socket),
};
inline constexpr ContextField kBpfSockAddrSendmsg4[] = {
    read_only("user_family", 0, 4), writable("user_ip4", 4, 4),        writable("user_port", 24, 4),
    read_only("family", 28, 4),     read_only("type", 32, 4),          read_only("protocol", 36, 4),
    writable("msg_src_ip4", 40, 4), read_only("sk", 64, 8, socket),
};
inline constexpr ContextField kBpfSockAddrSendmsg6[] = {
    read_only("user_family", 0, 4),   writable("user_ip6", 8, 16),     writable("user_port", 24, 4),
    read_only("family", 28, 4),       read_only("type", 32, 4),        read_only("protocol", 36, 4),
    writable("msg_src_ip6", 44, 16),  read_only("sk", 64, 8, socket),
};
inline constexpr ContextField kBpfSockAddrUnix[] = {
    read_only("user_family", 0, 4), writable("user_port", 24, 4), read_only("family", 28, 4),
    read_only("type", 32, 4),       read_only("protocol", 36, 4), read_only("sk", 64, 8, socket),
};

// ---- struct bpf_sock_ops (sock_ops_is_valid_access): args[4], reply and replylong[4] share
// bytes 4..19; only reply (args[0]) and sk_txhash are writable. The struct grew in Linux 6.2
// (skb_hwtstamp): the layout is the newer one, so that programs built against either load ----

inline constexpr ContextField kBpfSockOps[] = {
    read_only("op", 0, 4),
    writable("reply", 4, 4),
    read_only("args[1..3]", 8, 12),
    read_only("family", 20, 4),
    read_only("remote_ip4", 24, 4),
    read_only("local_ip4", 28, 4),
    read_only("remote_ip6", 32, 16),
    read_only("local_ip6", 48, 16),
    read_only("remote_port", 64, 4),
    read_only("local_port", 68, 4),
    read_only("is_fullsock", 72, 4),
    read_only("snd_cwnd", 76, 4),
    read_only("srtt_us", 80, 4),
    read_only("bpf_sock_ops_cb_flags", 84, 4),
    read_only("state", 88, 4),
    read_only("rtt_min", 92, 4),
    read_only("snd_ssthresh", 96, 4),
    read_only("rcv_nxt", 100, 4),
    read_only("snd_nxt", 104, 4),
    read_only("snd_una", 108, 4),
    read_only("mss_cache", 112, 4),
    read_only("ecn_flags", 116, 4),
    read_only("rate_delivered", 120, 4),
    read_only("rate_interval_us", 124, 4),
    read_only("packets_out", 128, 4),
    read_only("retrans_out", 132, 4),
    read_only("total_retrans", 136, 4),
    read_only("segs_in", 140, 4),
    read_only("data_segs_in", 144, 4),
    read_only("segs_out", 148, 4),
    read_only("data_segs_out", 152, 4),
    read_only("lost_out", 156, 4),
    read_only("sacked_out", 160, 4),
    writable("sk_txhash", 164, 4),
    read_only("bytes_received", 168, 8),
    read_only("bytes_acked", 176, 8),
    read_only("sk", 184, 8, socket_or_null),
    read_only("skb_data", 192, 8, packet_start),
    read_only("skb_data_end", 200, 8, packet_end),
    read_only("skb_len", 208, 4),
    read_only("skb_tcp_flags", 212, 4),
    read_only("skb_hwtstamp", 216, 8),  // Linux 6.2; older uapi headers end before it
};
inline constexpr std::uint32_t kBpfSockOpsSize = 224;

// ---- struct sk_msg_md (sk_msg_is_valid_access): read-only ----

inline constexpr ContextField kSkMsgMd[] = {
    read_only("data", 0, 8, packet_start),
    read_only("data_end", 8, 8, packet_end),
    read_only("family", 16, 4),
    read_only("remote_ip4", 20, 4),
    read_only("local_ip4", 24, 4),
    read_only("remote_ip6", 28, 16),
    read_only("local_ip6", 44, 16),
    read_only("remote_port", 60, 4),
    read_only("local_port", 64, 4),
    read_only("size", 68, 4),
    read_only("sk", 72, 8, socket),
};

// ---- struct sk_reuseport_md (sk_reuseport_is_valid_access): read-only ----

inline constexpr ContextField kSkReuseportMd[] = {
    read_only("data", 0, 8, packet_start),
    read_only("data_end", 8, 8, packet_end),
    read_only("len", 16, 4),
    read_only("eth_protocol", 20, 4),
    read_only("ip_protocol", 24, 4),
    read_only("bind_inany", 28, 4),
    read_only("hash", 32, 4),
    read_only("sk", 40, 8, socket),
    read_only("migrating_sk", 48, 8, sock_common_or_null),
};

// ---- struct bpf_cgroup_dev_ctx, struct bpf_sysctl, struct bpf_sockopt ----

inline constexpr ContextField kBpfCgroupDevCtx[] = {
    read_only("access_type", 0, 4),
    read_only("major", 4, 4),
    read_only("minor", 8, 4),
};

inline constexpr ContextField kBpfSysctl[] = {
    read_only("write", 0, 4),
    writable("file_pos", 4, 4),
};

inline constexpr ContextField kBpfSockopt[] = {
    read_only("sk", 0, 8, socket),
    read_only("optval", 8, 8, packet_start),
    read_only("optval_end", 16, 8, packet_end),
    writable("level", 24, 4),
    writable("optname", 28, 4),
    writable("optlen", 32, 4),
    writable("retval", 36, 4),
};

// ---- struct bpf_sk_lookup (sk_lookup_is_valid_access): read-only; sk shares its bytes with
// cookie; the padding after remote_port reads as zero in Linux and is refused here ----

inline constexpr ContextField kBpfSkLookup[] = {
    read_only("sk", 0, 8, socket_or_null),
    read_only("family", 8, 4),
    read_only("protocol", 12, 4),
    read_only("remote_ip4", 16, 4),
    read_only("remote_ip6", 20, 16),
    read_only("remote_port", 36, 2),
    read_only("local_ip4", 40, 4),
    read_only("local_ip6", 44, 16),
    read_only("local_port", 60, 4),
    read_only("ingress_ifindex", 64, 4),
};

// ---- lirc_mode2: the context is the u32 sample ----

inline constexpr ContextField kLircSample[] = {read_only("sample", 0, 4)};

// clang-format on

// ---- Tracing contexts: any aligned read inside them; the fields only name the bytes ----

// struct pt_regs (x86-64), the kprobe context and bpf_perf_event_data's regs.
// clang-format off
#define XBPF_PT_REGS(X)                                                                   \
  X(r15, 0) X(r14, 1) X(r13, 2) X(r12, 3) X(rbp, 4) X(rbx, 5) X(r11, 6) X(r10, 7) X(r9, 8) \
  X(r8, 9) X(rax, 10) X(rcx, 11) X(rdx, 12) X(rsi, 13) X(rdi, 14) X(orig_rax, 15)          \
  X(rip, 16) X(cs, 17) X(eflags, 18) X(rsp, 19) X(ss, 20)

inline constexpr ContextField kPtRegs[] = {
#define XBPF_PT_REG(name, index) read_only(#name, (index) * 8, 8),
    XBPF_PT_REGS(XBPF_PT_REG)
#undef XBPF_PT_REG
};
inline constexpr std::uint32_t kPtRegsSize = 168;

// struct bpf_perf_event_data.
inline constexpr ContextField kBpfPerfEventData[] = {
#define XBPF_PT_REG(name, index) read_only("regs." #name, (index) * 8, 8),
    XBPF_PT_REGS(XBPF_PT_REG)
#undef XBPF_PT_REG
    read_only("sample_period", 168, 8),
    read_only("addr", 176, 8),
};
#undef XBPF_PT_REGS
// clang-format on

// struct bpf_raw_tracepoint_args: u64 args[0] in uapi; Linux lets a program read up to
// MAX_BPF_FUNC_ARGS (12) arguments and checks the real count when it attaches.
inline constexpr ContextField kRawTracepointArgs[] = {read_only("args", 0, 96)};
inline constexpr std::uint32_t kRawTracepointArgsSize = 96;

// A tracepoint's raw record: its layout is the tracepoint's format file; Linux accepts any
// read in [8, PERF_MAX_TRACE_SIZE) at load time (the 8-byte common header is refused) and
// checks the record's real size when it attaches.
inline constexpr std::uint32_t kTraceRecordSize = 8192;
inline constexpr std::uint32_t kTraceRecordFirstReadable = 8;

}  // namespace xbpf::progtype::layout
