// The program-type registry: every type the loader knows, its context fields well formed, its
// helper set sorted and complete, its return range as check_return_code has it.
#include "progtype/progtype.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>

namespace xbpf::progtype {
namespace {

using P = ProgramType;
using H = HelperId;

constexpr std::int32_t id(H helper) { return static_cast<std::int32_t>(helper); }

const ProgramTypeInfo& info(P type) {
  const ProgramTypeInfo* found = program_type(type);
  if (found == nullptr) throw std::runtime_error("program type missing");
  return *found;
}

TEST(ProgtypeRegistry, KnowsTheProgramTypes) {
  const P required[] = {
      P::socket_filter, P::kprobe,         P::sched_cls,        P::sched_act,      P::tracepoint,
      P::xdp,           P::perf_event,     P::cgroup_skb,       P::cgroup_sock,    P::lwt_in,
      P::lwt_out,       P::lwt_xmit,       P::sock_ops,         P::sk_skb,         P::cgroup_device,
      P::sk_msg,        P::raw_tracepoint, P::cgroup_sock_addr, P::lwt_seg6local,  P::lirc_mode2,
      P::sk_reuseport,  P::flow_dissector, P::cgroup_sysctl,    P::cgroup_sockopt, P::sk_lookup,
  };
  for (P type : required) {
    const ProgramTypeInfo* found = program_type(type);
    ASSERT_NE(found, nullptr) << static_cast<int>(type);
    EXPECT_EQ(found->type, type);
    EXPECT_EQ(program_type_named(found->name), found) << found->name;
  }
  EXPECT_EQ(all_program_types().size(), std::size(required));
  EXPECT_EQ(program_type(P::unspec), nullptr);
  EXPECT_EQ(program_type_named("unspec"), nullptr);
  EXPECT_EQ(program_type_named("tc"), nullptr);  // a section name, not a type name
  EXPECT_EQ(program_type_named("xdp")->type, P::xdp);
  EXPECT_EQ(program_type_named("cgroup_sock_addr")->type, P::cgroup_sock_addr);
  EXPECT_EQ(program_type_named("sched_cls")->type, P::sched_cls);
}

TEST(ProgtypeRegistry, ContextStructs) {
  const std::tuple<P, std::string_view, std::uint32_t> expected[] = {
      {P::xdp, "xdp_md", 24},
      {P::socket_filter, "__sk_buff", 192},
      {P::sched_cls, "__sk_buff", 192},
      {P::flow_dissector, "__sk_buff", 192},
      {P::cgroup_sock, "bpf_sock", 80},
      {P::cgroup_sock_addr, "bpf_sock_addr", 72},
      {P::sock_ops, "bpf_sock_ops", 224},
      {P::sk_msg, "sk_msg_md", 80},
      {P::kprobe, "pt_regs", 168},
      {P::raw_tracepoint, "bpf_raw_tracepoint_args", 96},
      {P::perf_event, "bpf_perf_event_data", 184},
      {P::tracepoint, "trace event record", 8192},
  };
  for (const auto& [type, context, size] : expected) {
    EXPECT_EQ(info(type).context, context) << info(type).name;
    EXPECT_EQ(info(type).context_size, size) << info(type).name;
  }
}

TEST(ProgtypeRegistry, FieldsAreWellFormed) {
  for (const ProgramTypeInfo& type : all_program_types()) {
    SCOPED_TRACE(type.name);
    std::set<std::string_view> names;
    std::uint32_t end = 0;  // fields are sorted by offset and do not overlap
    bool has_start = false;
    bool has_end = false;
    for (const ContextField& field : type.fields) {
      EXPECT_TRUE(names.insert(field.name).second) << field.name;
      EXPECT_GT(field.size, 0) << field.name;
      EXPECT_GE(field.offset, end) << field.name << " overlaps the previous field";
      end = std::uint32_t{field.offset} + field.size;
      EXPECT_LE(end, type.context_size) << field.name << " ends outside the context";
      EXPECT_EQ(type.field_at(field.offset), &field);
      EXPECT_EQ(type.field_at(end - 1), &field);
      switch (field.kind) {
        case FieldKind::scalar: break;
        case FieldKind::packet_start:
        case FieldKind::packet_end:
        case FieldKind::packet_meta:
          has_start |= field.kind == FieldKind::packet_start;
          has_end |= field.kind == FieldKind::packet_end;
          EXPECT_TRUE(field.size == 4 || field.size == 8) << field.name;
          EXPECT_FALSE(field.writable) << field.name;
          break;
        default:  // pointers are __bpf_md_ptr
          EXPECT_EQ(field.size, 8) << field.name;
          EXPECT_FALSE(field.writable) << field.name;
      }
      if (type.any_context_read) {
        EXPECT_FALSE(field.writable) << field.name;
      }
    }
    EXPECT_EQ(has_start, has_end) << "packet data without data_end";
    if (type.any_context_read) {
      EXPECT_LT(type.any_read_from, type.context_size);
    } else {
      EXPECT_FALSE(type.fields.empty());
      EXPECT_EQ(type.any_read_from, 0U);
    }
    EXPECT_EQ(type.field_at(type.context_size), nullptr);
  }
}

std::set<std::string_view> writable_fields(P type) {
  std::set<std::string_view> out;
  for (const ContextField& field : info(type).fields) {
    if (field.writable) out.insert(field.name);
  }
  return out;
}

TEST(ProgtypeRegistry, WritableFieldsFollowIsValidAccess) {
  using S = std::set<std::string_view>;
  EXPECT_EQ(writable_fields(P::xdp), S{});
  EXPECT_EQ(writable_fields(P::socket_filter), S{"cb"});
  const S tc = {"mark", "queue_mapping", "priority", "tc_index", "cb", "tc_classid", "tstamp"};
  EXPECT_EQ(writable_fields(P::sched_cls), tc);
  EXPECT_EQ(writable_fields(P::sched_act), tc);
  EXPECT_EQ(writable_fields(P::cgroup_skb), (S{"mark", "priority", "cb", "tstamp"}));
  EXPECT_EQ(writable_fields(P::sk_skb), (S{"priority", "tc_index"}));
  for (P lwt : {P::lwt_in, P::lwt_out, P::lwt_xmit, P::lwt_seg6local}) {
    EXPECT_EQ(writable_fields(lwt), (S{"mark", "priority", "cb"}));
  }
  EXPECT_EQ(writable_fields(P::flow_dissector), S{});
  EXPECT_EQ(writable_fields(P::cgroup_sock), (S{"bound_dev_if", "mark", "priority"}));
  EXPECT_EQ(writable_fields(P::cgroup_sock_addr),
            (S{"user_ip4", "user_ip6", "user_port", "msg_src_ip4", "msg_src_ip6"}));
  EXPECT_EQ(writable_fields(P::sock_ops), (S{"reply", "sk_txhash"}));
  EXPECT_EQ(writable_fields(P::sk_msg), S{});
  EXPECT_EQ(writable_fields(P::cgroup_sysctl), S{"file_pos"});
  EXPECT_EQ(writable_fields(P::cgroup_sockopt), (S{"level", "optname", "optlen", "retval"}));
  for (P tracing : {P::kprobe, P::tracepoint, P::perf_event, P::raw_tracepoint}) {
    EXPECT_EQ(writable_fields(tracing), S{});
    EXPECT_TRUE(info(tracing).any_context_read);
  }
  EXPECT_EQ(info(P::tracepoint).any_read_from, 8U);  // the common header is refused
}

TEST(ProgtypeRegistry, PacketAndPointerFields) {
  const ProgramTypeInfo& xdp = info(P::xdp);
  EXPECT_EQ(xdp.field_at(0)->kind, FieldKind::packet_start);
  EXPECT_EQ(xdp.field_at(3)->name, "data");
  EXPECT_EQ(xdp.field_at(4)->kind, FieldKind::packet_end);
  EXPECT_EQ(xdp.field_at(8)->kind, FieldKind::packet_meta);
  EXPECT_EQ(xdp.field_at(24), nullptr);

  const ProgramTypeInfo& tc = info(P::sched_cls);
  EXPECT_EQ(tc.field_at(76)->kind, FieldKind::packet_start);
  EXPECT_EQ(tc.field_at(80)->kind, FieldKind::packet_end);
  EXPECT_EQ(tc.field_at(140)->kind, FieldKind::packet_meta);
  EXPECT_EQ(tc.field_at(168)->kind, FieldKind::sock_common_or_null);
  EXPECT_EQ(tc.field_at(144), nullptr);  // flow_keys: flow dissector only
  EXPECT_EQ(tc.field_at(88), nullptr);   // family..local_port: sk_skb and cgroup_skb only
  EXPECT_EQ(tc.field_at(181), nullptr);  // padding
  EXPECT_EQ(tc.field_at(60)->name, "cb");

  EXPECT_EQ(info(P::socket_filter).field_at(76), nullptr);  // no direct packet access
  EXPECT_EQ(info(P::cgroup_skb).field_at(140), nullptr);    // no data_meta
  EXPECT_EQ(info(P::sk_skb).field_at(8), nullptr);          // no mark
  EXPECT_EQ(info(P::flow_dissector).field_at(144)->kind, FieldKind::flow_keys);
  EXPECT_EQ(info(P::flow_dissector).field_at(0), nullptr);
  EXPECT_EQ(info(P::cgroup_sock_addr).field_at(64)->kind, FieldKind::socket);
  EXPECT_EQ(info(P::sock_ops).field_at(184)->kind, FieldKind::socket_or_null);
  EXPECT_EQ(info(P::sock_ops).field_at(192)->kind, FieldKind::packet_start);
  EXPECT_EQ(info(P::sock_ops).field_at(200)->kind, FieldKind::packet_end);
  EXPECT_EQ(info(P::sk_msg).field_at(0)->kind, FieldKind::packet_start);
  EXPECT_EQ(info(P::sk_msg).field_at(0)->size, 8);
  EXPECT_EQ(info(P::sk_msg).field_at(72)->kind, FieldKind::socket);
  EXPECT_EQ(info(P::cgroup_sock).field_at(50), nullptr);  // padding after dst_port
  EXPECT_EQ(info(P::kprobe).field_at(112)->name, "rdi");
  EXPECT_EQ(info(P::perf_event).field_at(168)->name, "sample_period");
}

TEST(ProgtypeRegistry, HelperSetsAreSortedAndKnown) {
  for (const ProgramTypeInfo& type : all_program_types()) {
    SCOPED_TRACE(type.name);
    EXPECT_TRUE(std::is_sorted(type.helpers.begin(), type.helpers.end()));
    EXPECT_EQ(std::adjacent_find(type.helpers.begin(), type.helpers.end()), type.helpers.end());
    for (std::int32_t helper_id : type.helpers) EXPECT_NE(helper(helper_id), nullptr);
    EXPECT_FALSE(type.allows_helper(0));
    EXPECT_FALSE(type.allows_helper(1000));
  }
}

TEST(ProgtypeRegistry, EveryTypeHasTheBaseHelpers) {
  // clang-format off
  const H base[] = {
      H::map_lookup_elem, H::map_update_elem,  H::map_delete_elem,   H::map_push_elem,
      H::map_pop_elem,    H::map_peek_elem,    H::ktime_get_ns,      H::ktime_get_boot_ns,
      H::get_prandom_u32, H::get_smp_processor_id, H::tail_call,     H::get_current_pid_tgid,
      H::ringbuf_output,  H::ringbuf_reserve,  H::ringbuf_submit,    H::ringbuf_discard,
      H::ringbuf_query,   H::spin_lock,        H::spin_unlock,       H::loop,
      H::for_each_map_elem, H::strncmp,        H::trace_printk,      H::trace_vprintk,
      H::probe_read_kernel, H::snprintf,       H::get_current_comm,  H::send_signal,
  };
  // clang-format on
  for (const ProgramTypeInfo& type : all_program_types()) {
    for (H helper_id : base) {
      EXPECT_TRUE(type.allows_helper(id(helper_id)))
          << type.name << " lacks " << helper(id(helper_id))->name;
    }
  }
}

TEST(ProgtypeRegistry, TypeSpecificHelpers) {
  const ProgramTypeInfo& xdp = info(P::xdp);
  for (H allowed : {H::xdp_adjust_head, H::xdp_adjust_meta, H::xdp_adjust_tail, H::redirect,
                    H::redirect_map, H::xdp_get_buff_len, H::xdp_load_bytes, H::xdp_store_bytes,
                    H::perf_event_output, H::csum_diff, H::fib_lookup, H::sk_lookup_tcp}) {
    EXPECT_TRUE(xdp.allows_helper(id(allowed))) << helper(id(allowed))->name;
  }
  for (H refused : {H::skb_store_bytes, H::skb_load_bytes, H::probe_read, H::override_return,
                    H::msg_redirect_map, H::get_netns_cookie}) {
    EXPECT_FALSE(xdp.allows_helper(id(refused))) << helper(id(refused))->name;
  }
  for (P tc : {P::sched_cls, P::sched_act}) {
    const ProgramTypeInfo& type = info(tc);
    for (H allowed : {H::skb_store_bytes, H::skb_load_bytes, H::l3_csum_replace, H::l4_csum_replace,
                      H::redirect, H::clone_redirect, H::skb_change_head, H::skb_adjust_room,
                      H::csum_diff, H::perf_event_output, H::fib_lookup}) {
      EXPECT_TRUE(type.allows_helper(id(allowed))) << helper(id(allowed))->name;
    }
    EXPECT_FALSE(type.allows_helper(id(H::xdp_adjust_head)));
    EXPECT_FALSE(type.allows_helper(id(H::redirect_map)));
  }
  EXPECT_TRUE(info(P::socket_filter).allows_helper(id(H::skb_load_bytes)));
  EXPECT_FALSE(info(P::socket_filter).allows_helper(id(H::skb_store_bytes)));
  EXPECT_FALSE(info(P::socket_filter).allows_helper(id(H::redirect)));
  for (P tracing : {P::kprobe, P::tracepoint, P::perf_event, P::raw_tracepoint}) {
    const ProgramTypeInfo& type = info(tracing);
    for (H allowed : {H::probe_read, H::probe_read_str, H::get_current_comm, H::get_current_uid_gid,
                      H::get_stackid, H::get_stack, H::perf_event_output, H::send_signal}) {
      EXPECT_TRUE(type.allows_helper(id(allowed))) << type.name << " " << helper(id(allowed))->name;
    }
    EXPECT_FALSE(type.allows_helper(id(H::skb_load_bytes))) << type.name;
    EXPECT_FALSE(type.allows_helper(id(H::redirect))) << type.name;
  }
  EXPECT_TRUE(info(P::kprobe).allows_helper(id(H::override_return)));
  EXPECT_FALSE(info(P::tracepoint).allows_helper(id(H::override_return)));
  EXPECT_TRUE(info(P::perf_event).allows_helper(id(H::perf_prog_read_value)));
  EXPECT_TRUE(info(P::cgroup_sock_addr).allows_helper(id(H::bind)));
  EXPECT_TRUE(info(P::sock_ops).allows_helper(id(H::sock_map_update)));
  EXPECT_TRUE(info(P::sk_msg).allows_helper(id(H::msg_redirect_map)));
  EXPECT_TRUE(info(P::sk_skb).allows_helper(id(H::sk_redirect_map)));
  EXPECT_TRUE(info(P::lwt_in).allows_helper(id(H::lwt_push_encap)));
  EXPECT_FALSE(info(P::lwt_out).allows_helper(id(H::lwt_push_encap)));
  EXPECT_TRUE(info(P::lwt_seg6local).allows_helper(id(H::lwt_seg6_action)));
  EXPECT_TRUE(info(P::cgroup_skb).allows_helper(id(H::get_local_storage)));
  EXPECT_FALSE(info(P::cgroup_skb).allows_helper(id(H::get_retval)));
  // ktime_get_coarse_ns: networking and cgroup types, not tracing ones.
  EXPECT_TRUE(info(P::xdp).allows_helper(id(H::ktime_get_coarse_ns)));
  EXPECT_TRUE(info(P::cgroup_sock).allows_helper(id(H::ktime_get_coarse_ns)));
  EXPECT_FALSE(info(P::kprobe).allows_helper(id(H::ktime_get_coarse_ns)));
  EXPECT_FALSE(info(P::cgroup_device).allows_helper(id(H::ktime_get_coarse_ns)));
  EXPECT_TRUE(info(P::flow_dissector).allows_helper(id(H::skb_load_bytes)));
  EXPECT_FALSE(info(P::flow_dissector).allows_helper(id(H::skb_store_bytes)));
}

TEST(ProgtypeRegistry, ReturnRangesFollowCheckReturnCode) {
  const ReturnRange zero_or_one{0, 1};
  for (P type : {P::cgroup_skb, P::cgroup_sock, P::cgroup_sock_addr, P::sock_ops, P::cgroup_device,
                 P::cgroup_sysctl, P::cgroup_sockopt, P::sk_lookup}) {
    EXPECT_EQ(info(type).returns, zero_or_one) << info(type).name;
  }
  for (P type : {P::socket_filter, P::kprobe, P::sched_cls, P::sched_act, P::tracepoint, P::xdp,
                 P::perf_event, P::lwt_in, P::lwt_out, P::lwt_xmit, P::lwt_seg6local, P::sk_skb,
                 P::sk_msg, P::raw_tracepoint, P::flow_dissector, P::sk_reuseport, P::lirc_mode2}) {
    EXPECT_TRUE(info(type).returns.any()) << info(type).name;
  }
  EXPECT_EQ(kAnyReturn.min, std::numeric_limits<std::int64_t>::min());
  EXPECT_FALSE(zero_or_one.any());

  using T = AttachType;
  const ProgramTypeInfo& skb = info(P::cgroup_skb);
  EXPECT_EQ(skb.returns_for(T::cgroup_inet_ingress), zero_or_one);
  EXPECT_EQ(skb.returns_for(T::cgroup_inet_egress), (ReturnRange{0, 3}));
  EXPECT_EQ(skb.returns_for(T::none), zero_or_one);
  const ProgramTypeInfo& addr = info(P::cgroup_sock_addr);
  EXPECT_EQ(addr.returns_for(T::cgroup_inet4_connect), zero_or_one);
  EXPECT_EQ(addr.returns_for(T::cgroup_udp6_sendmsg), zero_or_one);
  EXPECT_EQ(addr.returns_for(T::cgroup_inet4_bind), (ReturnRange{0, 3}));
  EXPECT_EQ(addr.returns_for(T::cgroup_inet6_bind), (ReturnRange{0, 3}));
  for (T one :
       {T::cgroup_udp4_recvmsg, T::cgroup_udp6_recvmsg, T::cgroup_inet4_getpeername,
        T::cgroup_inet6_getpeername, T::cgroup_inet4_getsockname, T::cgroup_inet6_getsockname}) {
    EXPECT_EQ(addr.returns_for(one), (ReturnRange{1, 1})) << static_cast<int>(one);
  }
  EXPECT_TRUE(info(P::xdp).returns_for(T::xdp_devmap).any());
  EXPECT_EQ(info(P::cgroup_sock).returns_for(T::cgroup_inet_egress), zero_or_one);
}

}  // namespace
}  // namespace xbpf::progtype
