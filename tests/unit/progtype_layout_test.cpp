// Every context field's offset and size equal offsetof/sizeof in the uapi headers, every
// context size is the struct's, and every uapi field is listed by some program type (or
// deliberately left out). Linux x86-64 only: the headers are <linux/bpf.h>,
// <linux/bpf_perf_event.h> and <asm/ptrace.h> (uapi data headers, no OS calls).
#include <gtest/gtest.h>

#if defined(__linux__) && defined(__x86_64__)

#include <asm/ptrace.h>
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>

#include <cstddef>
#include <map>
#include <set>
#include <string>

#include "progtype/progtype.h"

namespace xbpf::progtype {
namespace {

struct Layout {
  std::size_t offset;
  std::size_t size;
};

struct Struct {
  std::size_t size;
  std::map<std::string, Layout> fields;
};

// clang-format off
#define XBPF_UAPI(type, member) \
  {#member, Layout{offsetof(type, member), sizeof(static_cast<type*>(nullptr)->member)}}

#define XBPF_PT_REGS_FIELDS(prefix, type, base)                                          \
  {prefix "r15", {offsetof(type, base r15), 8}}, {prefix "r14", {offsetof(type, base r14), 8}}, \
  {prefix "r13", {offsetof(type, base r13), 8}}, {prefix "r12", {offsetof(type, base r12), 8}}, \
  {prefix "rbp", {offsetof(type, base rbp), 8}}, {prefix "rbx", {offsetof(type, base rbx), 8}}, \
  {prefix "r11", {offsetof(type, base r11), 8}}, {prefix "r10", {offsetof(type, base r10), 8}}, \
  {prefix "r9", {offsetof(type, base r9), 8}},   {prefix "r8", {offsetof(type, base r8), 8}},   \
  {prefix "rax", {offsetof(type, base rax), 8}}, {prefix "rcx", {offsetof(type, base rcx), 8}}, \
  {prefix "rdx", {offsetof(type, base rdx), 8}}, {prefix "rsi", {offsetof(type, base rsi), 8}}, \
  {prefix "rdi", {offsetof(type, base rdi), 8}}, {prefix "orig_rax", {offsetof(type, base orig_rax), 8}}, \
  {prefix "rip", {offsetof(type, base rip), 8}}, {prefix "cs", {offsetof(type, base cs), 8}},   \
  {prefix "eflags", {offsetof(type, base eflags), 8}}, {prefix "rsp", {offsetof(type, base rsp), 8}}, \
  {prefix "ss", {offsetof(type, base ss), 8}}
// clang-format on

// bpf_sock_ops::skb_hwtstamp came in Linux 6.2, after skb_tcp_flags; older uapi headers
// (Debian 12's) end before it.
template <typename T>
constexpr bool has_skb_hwtstamp() {
  return requires(T ops) { ops.skb_hwtstamp; };
}
template <typename T>
constexpr Layout skb_hwtstamp() {
  if constexpr (has_skb_hwtstamp<T>()) {
    return {offsetof(T, skb_hwtstamp), sizeof(T::skb_hwtstamp)};
  } else {
    return {offsetof(T, skb_tcp_flags) + sizeof(T::skb_tcp_flags), sizeof(__u64)};
  }
}
template <typename T>
constexpr std::size_t sock_ops_size() {
  if constexpr (has_skb_hwtstamp<T>()) {
    return sizeof(T);
  } else {
    return sizeof(T) + sizeof(__u64);
  }
}

// The uapi structs by the name ProgramTypeInfo::context gives them.
const std::map<std::string, Struct>& uapi_structs() {
  static const std::map<std::string, Struct> structs = {
      {"__sk_buff",
       {sizeof(__sk_buff),
        {XBPF_UAPI(__sk_buff, len),         XBPF_UAPI(__sk_buff, pkt_type),
         XBPF_UAPI(__sk_buff, mark),        XBPF_UAPI(__sk_buff, queue_mapping),
         XBPF_UAPI(__sk_buff, protocol),    XBPF_UAPI(__sk_buff, vlan_present),
         XBPF_UAPI(__sk_buff, vlan_tci),    XBPF_UAPI(__sk_buff, vlan_proto),
         XBPF_UAPI(__sk_buff, priority),    XBPF_UAPI(__sk_buff, ingress_ifindex),
         XBPF_UAPI(__sk_buff, ifindex),     XBPF_UAPI(__sk_buff, tc_index),
         XBPF_UAPI(__sk_buff, cb),          XBPF_UAPI(__sk_buff, hash),
         XBPF_UAPI(__sk_buff, tc_classid),  XBPF_UAPI(__sk_buff, data),
         XBPF_UAPI(__sk_buff, data_end),    XBPF_UAPI(__sk_buff, napi_id),
         XBPF_UAPI(__sk_buff, family),      XBPF_UAPI(__sk_buff, remote_ip4),
         XBPF_UAPI(__sk_buff, local_ip4),   XBPF_UAPI(__sk_buff, remote_ip6),
         XBPF_UAPI(__sk_buff, local_ip6),   XBPF_UAPI(__sk_buff, remote_port),
         XBPF_UAPI(__sk_buff, local_port),  XBPF_UAPI(__sk_buff, data_meta),
         XBPF_UAPI(__sk_buff, flow_keys),   XBPF_UAPI(__sk_buff, tstamp),
         XBPF_UAPI(__sk_buff, wire_len),    XBPF_UAPI(__sk_buff, gso_segs),
         XBPF_UAPI(__sk_buff, sk),          XBPF_UAPI(__sk_buff, gso_size),
         XBPF_UAPI(__sk_buff, tstamp_type), XBPF_UAPI(__sk_buff, hwtstamp)}}},
      {"xdp_md",
       {sizeof(xdp_md),
        {XBPF_UAPI(xdp_md, data), XBPF_UAPI(xdp_md, data_end), XBPF_UAPI(xdp_md, data_meta),
         XBPF_UAPI(xdp_md, ingress_ifindex), XBPF_UAPI(xdp_md, rx_queue_index),
         XBPF_UAPI(xdp_md, egress_ifindex)}}},
      {"bpf_sock",
       {sizeof(bpf_sock),
        {XBPF_UAPI(bpf_sock, bound_dev_if), XBPF_UAPI(bpf_sock, family), XBPF_UAPI(bpf_sock, type),
         XBPF_UAPI(bpf_sock, protocol), XBPF_UAPI(bpf_sock, mark), XBPF_UAPI(bpf_sock, priority),
         XBPF_UAPI(bpf_sock, src_ip4), XBPF_UAPI(bpf_sock, src_ip6), XBPF_UAPI(bpf_sock, src_port),
         XBPF_UAPI(bpf_sock, dst_port), XBPF_UAPI(bpf_sock, dst_ip4), XBPF_UAPI(bpf_sock, dst_ip6),
         XBPF_UAPI(bpf_sock, state), XBPF_UAPI(bpf_sock, rx_queue_mapping)}}},
      {"bpf_sock_addr",
       {sizeof(bpf_sock_addr),
        {XBPF_UAPI(bpf_sock_addr, user_family), XBPF_UAPI(bpf_sock_addr, user_ip4),
         XBPF_UAPI(bpf_sock_addr, user_ip6), XBPF_UAPI(bpf_sock_addr, user_port),
         XBPF_UAPI(bpf_sock_addr, family), XBPF_UAPI(bpf_sock_addr, type),
         XBPF_UAPI(bpf_sock_addr, protocol), XBPF_UAPI(bpf_sock_addr, msg_src_ip4),
         XBPF_UAPI(bpf_sock_addr, msg_src_ip6), XBPF_UAPI(bpf_sock_addr, sk)}}},
      {"bpf_sock_ops",
       {sock_ops_size<bpf_sock_ops>(),
        {XBPF_UAPI(bpf_sock_ops, op),
         XBPF_UAPI(bpf_sock_ops, reply),
         {"args[1..3]",
          {offsetof(bpf_sock_ops, args[1]), sizeof(bpf_sock_ops::args) - sizeof(__u32)}},
         XBPF_UAPI(bpf_sock_ops, family),
         XBPF_UAPI(bpf_sock_ops, remote_ip4),
         XBPF_UAPI(bpf_sock_ops, local_ip4),
         XBPF_UAPI(bpf_sock_ops, remote_ip6),
         XBPF_UAPI(bpf_sock_ops, local_ip6),
         XBPF_UAPI(bpf_sock_ops, remote_port),
         XBPF_UAPI(bpf_sock_ops, local_port),
         XBPF_UAPI(bpf_sock_ops, is_fullsock),
         XBPF_UAPI(bpf_sock_ops, snd_cwnd),
         XBPF_UAPI(bpf_sock_ops, srtt_us),
         XBPF_UAPI(bpf_sock_ops, bpf_sock_ops_cb_flags),
         XBPF_UAPI(bpf_sock_ops, state),
         XBPF_UAPI(bpf_sock_ops, rtt_min),
         XBPF_UAPI(bpf_sock_ops, snd_ssthresh),
         XBPF_UAPI(bpf_sock_ops, rcv_nxt),
         XBPF_UAPI(bpf_sock_ops, snd_nxt),
         XBPF_UAPI(bpf_sock_ops, snd_una),
         XBPF_UAPI(bpf_sock_ops, mss_cache),
         XBPF_UAPI(bpf_sock_ops, ecn_flags),
         XBPF_UAPI(bpf_sock_ops, rate_delivered),
         XBPF_UAPI(bpf_sock_ops, rate_interval_us),
         XBPF_UAPI(bpf_sock_ops, packets_out),
         XBPF_UAPI(bpf_sock_ops, retrans_out),
         XBPF_UAPI(bpf_sock_ops, total_retrans),
         XBPF_UAPI(bpf_sock_ops, segs_in),
         XBPF_UAPI(bpf_sock_ops, data_segs_in),
         XBPF_UAPI(bpf_sock_ops, segs_out),
         XBPF_UAPI(bpf_sock_ops, data_segs_out),
         XBPF_UAPI(bpf_sock_ops, lost_out),
         XBPF_UAPI(bpf_sock_ops, sacked_out),
         XBPF_UAPI(bpf_sock_ops, sk_txhash),
         XBPF_UAPI(bpf_sock_ops, bytes_received),
         XBPF_UAPI(bpf_sock_ops, bytes_acked),
         XBPF_UAPI(bpf_sock_ops, sk),
         XBPF_UAPI(bpf_sock_ops, skb_data),
         XBPF_UAPI(bpf_sock_ops, skb_data_end),
         XBPF_UAPI(bpf_sock_ops, skb_len),
         XBPF_UAPI(bpf_sock_ops, skb_tcp_flags),
         {"skb_hwtstamp", skb_hwtstamp<bpf_sock_ops>()}}}},
      {"sk_msg_md",
       {sizeof(sk_msg_md),
        {XBPF_UAPI(sk_msg_md, data), XBPF_UAPI(sk_msg_md, data_end), XBPF_UAPI(sk_msg_md, family),
         XBPF_UAPI(sk_msg_md, remote_ip4), XBPF_UAPI(sk_msg_md, local_ip4),
         XBPF_UAPI(sk_msg_md, remote_ip6), XBPF_UAPI(sk_msg_md, local_ip6),
         XBPF_UAPI(sk_msg_md, remote_port), XBPF_UAPI(sk_msg_md, local_port),
         XBPF_UAPI(sk_msg_md, size), XBPF_UAPI(sk_msg_md, sk)}}},
      {"sk_reuseport_md",
       {sizeof(sk_reuseport_md),
        {XBPF_UAPI(sk_reuseport_md, data), XBPF_UAPI(sk_reuseport_md, data_end),
         XBPF_UAPI(sk_reuseport_md, len), XBPF_UAPI(sk_reuseport_md, eth_protocol),
         XBPF_UAPI(sk_reuseport_md, ip_protocol), XBPF_UAPI(sk_reuseport_md, bind_inany),
         XBPF_UAPI(sk_reuseport_md, hash), XBPF_UAPI(sk_reuseport_md, sk),
         XBPF_UAPI(sk_reuseport_md, migrating_sk)}}},
      {"bpf_cgroup_dev_ctx",
       {sizeof(bpf_cgroup_dev_ctx),
        {XBPF_UAPI(bpf_cgroup_dev_ctx, access_type), XBPF_UAPI(bpf_cgroup_dev_ctx, major),
         XBPF_UAPI(bpf_cgroup_dev_ctx, minor)}}},
      {"bpf_sysctl",
       {sizeof(bpf_sysctl), {XBPF_UAPI(bpf_sysctl, write), XBPF_UAPI(bpf_sysctl, file_pos)}}},
      {"bpf_sockopt",
       {sizeof(bpf_sockopt),
        {XBPF_UAPI(bpf_sockopt, sk), XBPF_UAPI(bpf_sockopt, optval),
         XBPF_UAPI(bpf_sockopt, optval_end), XBPF_UAPI(bpf_sockopt, level),
         XBPF_UAPI(bpf_sockopt, optname), XBPF_UAPI(bpf_sockopt, optlen),
         XBPF_UAPI(bpf_sockopt, retval)}}},
      {"bpf_sk_lookup",
       {sizeof(bpf_sk_lookup),
        {XBPF_UAPI(bpf_sk_lookup, sk), XBPF_UAPI(bpf_sk_lookup, family),
         XBPF_UAPI(bpf_sk_lookup, protocol), XBPF_UAPI(bpf_sk_lookup, remote_ip4),
         XBPF_UAPI(bpf_sk_lookup, remote_ip6), XBPF_UAPI(bpf_sk_lookup, remote_port),
         XBPF_UAPI(bpf_sk_lookup, local_ip4), XBPF_UAPI(bpf_sk_lookup, local_ip6),
         XBPF_UAPI(bpf_sk_lookup, local_port), XBPF_UAPI(bpf_sk_lookup, ingress_ifindex)}}},
      {"pt_regs", {sizeof(pt_regs), {XBPF_PT_REGS_FIELDS("", pt_regs, )}}},
      {"bpf_perf_event_data",
       {sizeof(bpf_perf_event_data),
        {XBPF_PT_REGS_FIELDS("regs.", bpf_perf_event_data, regs.),
         XBPF_UAPI(bpf_perf_event_data, sample_period), XBPF_UAPI(bpf_perf_event_data, addr)}}},
      // args[0] in uapi: Linux reads up to MAX_BPF_FUNC_ARGS (12) of them.
      {"bpf_raw_tracepoint_args",
       {12 * sizeof(__u64), {{"args", {offsetof(bpf_raw_tracepoint_args, args), 96}}}}},
      // The lirc_mode2 context is a bare u32 sample.
      {"u32", {sizeof(__u32), {{"sample", {0, sizeof(__u32)}}}}},
      // A tracepoint's record has the tracepoint's own layout, up to PERF_MAX_TRACE_SIZE.
      {"trace event record", {8192, {}}},
  };
  return structs;
}

TEST(ProgtypeLayout, FieldsMatchTheUapiHeaders) {
  for (const ProgramTypeInfo& type : all_program_types()) {
    SCOPED_TRACE(type.name);
    const auto found = uapi_structs().find(std::string(type.context));
    ASSERT_NE(found, uapi_structs().end()) << "no uapi struct named " << type.context;
    const Struct& uapi = found->second;
    EXPECT_EQ(type.context_size, uapi.size);
    for (const ContextField& field : type.fields) {
      const auto member = uapi.fields.find(std::string(field.name));
      ASSERT_NE(member, uapi.fields.end()) << type.context << " has no field " << field.name;
      EXPECT_EQ(field.offset, member->second.offset) << field.name;
      EXPECT_EQ(field.size, member->second.size) << field.name;
    }
  }
}

// Every uapi field is readable by at least one program type using the struct: a field the
// kernel lets some program read is not forgotten.
TEST(ProgtypeLayout, EveryUapiFieldIsListedSomewhere) {
  std::map<std::string, std::set<std::string>> listed;
  for (const ProgramTypeInfo& type : all_program_types()) {
    for (const ContextField& field : type.fields) {
      listed[std::string(type.context)].insert(std::string(field.name));
    }
  }
  for (const auto& [name, uapi] : uapi_structs()) {
    for (const auto& [field, layout] : uapi.fields) {
      EXPECT_TRUE(listed[name].contains(field)) << name << "." << field << " is not listed";
    }
  }
}

}  // namespace
}  // namespace xbpf::progtype

#endif  // __linux__ && __x86_64__
