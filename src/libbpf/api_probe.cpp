// What the library can do, as libbpf's probes and type names tell it: libbpf_probe_bpf_*
// answer from xbpf's registries (a program type xbpf has a context for, a map type the runtime
// creates, a helper the type may call and xbpf implements) instead of loading into a kernel;
// libbpf_bpf_*_type_str and libbpf_*_by_name use libbpf 1.1's spellings and section table.
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>

#include "libbpf/context.h"
#include "libbpf/library.h"
#include "progtype/progtype.h"
#include "runtime/helpers/helpers.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)
namespace progtype = xbpf::progtype;
using xbpf::runtime::MapSpec;
using xbpf::runtime::MapType;

namespace {

// libbpf.c's prog_type_name[], map_type_name[], attach_type_name[] and link_type_name[]: the
// strings are libbpf's API, by enum value (xbpf's registry has no row for some program types).
constexpr const char* kProgTypeNames[] = {"unspec",
                                          "socket_filter",
                                          "kprobe",
                                          "sched_cls",
                                          "sched_act",
                                          "tracepoint",
                                          "xdp",
                                          "perf_event",
                                          "cgroup_skb",
                                          "cgroup_sock",
                                          "lwt_in",
                                          "lwt_out",
                                          "lwt_xmit",
                                          "sock_ops",
                                          "sk_skb",
                                          "cgroup_device",
                                          "sk_msg",
                                          "raw_tracepoint",
                                          "cgroup_sock_addr",
                                          "lwt_seg6local",
                                          "lirc_mode2",
                                          "sk_reuseport",
                                          "flow_dissector",
                                          "cgroup_sysctl",
                                          "raw_tracepoint_writable",
                                          "cgroup_sockopt",
                                          "tracing",
                                          "struct_ops",
                                          "ext",
                                          "lsm",
                                          "sk_lookup",
                                          "syscall"};
constexpr const char* kMapTypeNames[] = {"unspec",
                                         "hash",
                                         "array",
                                         "prog_array",
                                         "perf_event_array",
                                         "percpu_hash",
                                         "percpu_array",
                                         "stack_trace",
                                         "cgroup_array",
                                         "lru_hash",
                                         "lru_percpu_hash",
                                         "lpm_trie",
                                         "array_of_maps",
                                         "hash_of_maps",
                                         "devmap",
                                         "sockmap",
                                         "cpumap",
                                         "xskmap",
                                         "sockhash",
                                         "cgroup_storage",
                                         "reuseport_sockarray",
                                         "percpu_cgroup_storage",
                                         "queue",
                                         "stack",
                                         "sk_storage",
                                         "devmap_hash",
                                         "struct_ops",
                                         "ringbuf",
                                         "inode_storage",
                                         "task_storage",
                                         "bloom_filter",
                                         "user_ringbuf",
                                         "cgrp_storage"};
constexpr const char* kAttachTypeNames[] = {"cgroup_inet_ingress",
                                            "cgroup_inet_egress",
                                            "cgroup_inet_sock_create",
                                            "cgroup_sock_ops",
                                            "sk_skb_stream_parser",
                                            "sk_skb_stream_verdict",
                                            "cgroup_device",
                                            "sk_msg_verdict",
                                            "cgroup_inet4_bind",
                                            "cgroup_inet6_bind",
                                            "cgroup_inet4_connect",
                                            "cgroup_inet6_connect",
                                            "cgroup_inet4_post_bind",
                                            "cgroup_inet6_post_bind",
                                            "cgroup_udp4_sendmsg",
                                            "cgroup_udp6_sendmsg",
                                            "lirc_mode2",
                                            "flow_dissector",
                                            "cgroup_sysctl",
                                            "cgroup_udp4_recvmsg",
                                            "cgroup_udp6_recvmsg",
                                            "cgroup_getsockopt",
                                            "cgroup_setsockopt",
                                            "trace_raw_tp",
                                            "trace_fentry",
                                            "trace_fexit",
                                            "modify_return",
                                            "lsm_mac",
                                            "trace_iter",
                                            "cgroup_inet4_getpeername",
                                            "cgroup_inet6_getpeername",
                                            "cgroup_inet4_getsockname",
                                            "cgroup_inet6_getsockname",
                                            "xdp_devmap",
                                            "cgroup_inet_sock_release",
                                            "xdp_cpumap",
                                            "sk_lookup",
                                            "xdp",
                                            "sk_skb_verdict",
                                            "sk_reuseport_select",
                                            "sk_reuseport_select_or_migrate",
                                            "perf_event",
                                            "trace_kprobe_multi",
                                            "lsm_cgroup"};
constexpr const char* kLinkTypeNames[] = {"unspec",       "raw_tracepoint", "tracing", "cgroup",
                                          "iter",         "netns",          "xdp",     "perf_event",
                                          "kprobe_multi", "struct_ops"};

// An enum argument's value, read as bytes: an application may pass any number, which is no
// valid value of the enum type to load.
template <class Enum>
unsigned raw(const Enum& value) {
  static_assert(sizeof(Enum) == sizeof(unsigned));
  unsigned result = 0;
  std::memcpy(&result, &value, sizeof result);
  return result;
}

template <std::size_t N>
const char* name_of(const char* const (&names)[N], unsigned value) {
  return value < N ? names[value] : nullptr;
}

// Types libbpf 1.1 cannot probe without a kernel's BTF target: it answers -EOPNOTSUPP.
bool needs_attach_target(unsigned type) {
  return type == BPF_PROG_TYPE_TRACING || type == BPF_PROG_TYPE_EXT || type == BPF_PROG_TYPE_LSM ||
         type == BPF_PROG_TYPE_STRUCT_OPS;
}

// The spec libbpf's probe_map_create uses for `type`.
MapSpec probe_spec(MapType type) {
  MapSpec spec;
  spec.type = type;
  spec.name = "probe";
  spec.key_size = 4;
  spec.value_size = 4;
  spec.max_entries = 1;
  switch (type) {
    case MapType::lpm_trie:
      spec.key_size = 8;
      spec.value_size = 8;
      spec.flags = BPF_F_NO_PREALLOC;
      break;
    case MapType::queue:
    case MapType::stack:
    case MapType::bloom_filter: spec.key_size = 0; break;
    case MapType::ringbuf:
    case MapType::user_ringbuf:
      spec.key_size = 0;
      spec.value_size = 0;
      spec.max_entries = 4096;
      break;
    case MapType::array_of_maps:
    case MapType::hash_of_maps: {
      auto inner = std::make_shared<MapSpec>(spec);
      inner->type = MapType::array;
      spec.inner = std::move(inner);
      break;
    }
    default: break;
  }
  return spec;
}

}  // namespace

int libbpf_probe_bpf_prog_type(enum bpf_prog_type prog_type, const void* opts) {
  if (opts != nullptr) return fail(EINVAL);
  const unsigned type = raw(prog_type);
  if (type == BPF_PROG_TYPE_UNSPEC || type > BPF_PROG_TYPE_SYSCALL) return fail(EOPNOTSUPP);
  if (needs_attach_target(type)) return fail(EOPNOTSUPP);
  return progtype::program_type(static_cast<progtype::ProgramType>(type)) != nullptr ? 1 : 0;
}

int libbpf_probe_bpf_map_type(enum bpf_map_type map_type, const void* opts) {
  if (opts != nullptr) return fail(EINVAL);
  const unsigned type = raw(map_type);
  if (type == BPF_MAP_TYPE_UNSPEC || type >= std::size(kMapTypeNames)) return fail(EOPNOTSUPP);
  return context().create_map(probe_spec(static_cast<MapType>(type))) ? 1 : 0;
}

int libbpf_probe_bpf_helper(enum bpf_prog_type prog_type, enum bpf_func_id helper_id,
                            const void* opts) {
  if (opts != nullptr) return fail(EINVAL);
  const unsigned type = raw(prog_type);
  if (needs_attach_target(type)) return fail(EOPNOTSUPP);
  const progtype::ProgramTypeInfo* info =
      progtype::program_type(static_cast<progtype::ProgramType>(type));
  if (info == nullptr) return fail(EOPNOTSUPP);
  const auto id = static_cast<std::int32_t>(raw(helper_id));
  return info->allows_helper(id) && xbpf::runtime::helpers::find(id) != nullptr ? 1 : 0;
}

const char* libbpf_bpf_prog_type_str(enum bpf_prog_type t) {
  return name_of(kProgTypeNames, raw(t));
}

const char* libbpf_bpf_map_type_str(enum bpf_map_type t) { return name_of(kMapTypeNames, raw(t)); }

const char* libbpf_bpf_attach_type_str(enum bpf_attach_type t) {
  return name_of(kAttachTypeNames, raw(t));
}

const char* libbpf_bpf_link_type_str(enum bpf_link_type t) {
  return name_of(kLinkTypeNames, raw(t));
}

int libbpf_prog_type_by_name(const char* name, enum bpf_prog_type* prog_type,
                             enum bpf_attach_type* expected_attach_type) {
  if (name == nullptr || prog_type == nullptr || expected_attach_type == nullptr) {
    return fail(EINVAL);
  }
  const auto match = progtype::program_type_for_section(name);
  if (!match) {
    warn(std::string("failed to guess program type from ELF section '") + name + "'");
    return fail(ESRCH);
  }
  *prog_type = static_cast<bpf_prog_type>(match->type);
  *expected_attach_type = match->attach == progtype::AttachType::none
                              ? static_cast<bpf_attach_type>(0)
                              : static_cast<bpf_attach_type>(match->attach);
  return 0;
}

int libbpf_attach_type_by_name(const char* name, enum bpf_attach_type* attach_type) {
  if (name == nullptr || attach_type == nullptr) return fail(EINVAL);
  const auto match = progtype::program_type_for_section(name);
  if (!match || match->attach == progtype::AttachType::none) {
    debug(std::string("failed to guess attach type based on ELF section name '") + name + "'");
    return fail(EINVAL);
  }
  *attach_type = static_cast<bpf_attach_type>(match->attach);
  return 0;
}
