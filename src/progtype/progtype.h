// The single registry of Linux program types and helper prototypes, read by the loader, the
// verifier and the runtime. Numbers are Linux's (enum bpf_prog_type, enum bpf_attach_type,
// helper ids); layouts are the uapi structs of <linux/bpf.h>.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>

namespace xbpf::progtype {

// enum bpf_prog_type.
enum class ProgramType : std::uint32_t {
  unspec = 0,
  socket_filter = 1,
  kprobe = 2,
  sched_cls = 3,
  sched_act = 4,
  tracepoint = 5,
  xdp = 6,
  perf_event = 7,
  cgroup_skb = 8,
  cgroup_sock = 9,
  lwt_in = 10,
  lwt_out = 11,
  lwt_xmit = 12,
  sock_ops = 13,
  sk_skb = 14,
  cgroup_device = 15,
  sk_msg = 16,
  raw_tracepoint = 17,
  cgroup_sock_addr = 18,
  lwt_seg6local = 19,
  lirc_mode2 = 20,
  sk_reuseport = 21,
  flow_dissector = 22,
  cgroup_sysctl = 23,
  raw_tracepoint_writable = 24,
  cgroup_sockopt = 25,
  tracing = 26,
  struct_ops = 27,
  ext = 28,
  lsm = 29,
  sk_lookup = 30,
  syscall = 31,
  netfilter = 32,
};

// enum bpf_attach_type (the values xbpf's section table uses; others pass through as numbers).
enum class AttachType : std::uint32_t {
  cgroup_inet_ingress = 0,
  cgroup_inet_egress = 1,
  cgroup_inet_sock_create = 2,
  cgroup_sock_ops = 3,
  sk_skb_stream_parser = 4,
  sk_skb_stream_verdict = 5,
  cgroup_device = 6,
  sk_msg_verdict = 7,
  cgroup_inet4_bind = 8,
  cgroup_inet6_bind = 9,
  cgroup_inet4_connect = 10,
  cgroup_inet6_connect = 11,
  cgroup_inet4_post_bind = 12,
  cgroup_inet6_post_bind = 13,
  cgroup_udp4_sendmsg = 14,
  cgroup_udp6_sendmsg = 15,
  lirc_mode2 = 16,
  flow_dissector = 17,
  cgroup_sysctl = 18,
  cgroup_udp4_recvmsg = 19,
  cgroup_udp6_recvmsg = 20,
  cgroup_getsockopt = 21,
  cgroup_setsockopt = 22,
  trace_raw_tp = 23,
  trace_fentry = 24,
  trace_fexit = 25,
  modify_return = 26,
  lsm_mac = 27,
  trace_iter = 28,
  cgroup_inet4_getpeername = 29,
  cgroup_inet6_getpeername = 30,
  cgroup_inet4_getsockname = 31,
  cgroup_inet6_getsockname = 32,
  xdp_devmap = 33,
  cgroup_inet_sock_release = 34,
  xdp_cpumap = 35,
  sk_lookup = 36,
  xdp = 37,
  sk_skb_verdict = 38,
  sk_reuseport_select = 39,
  sk_reuseport_select_or_migrate = 40,
  perf_event = 41,
  trace_kprobe_multi = 42,
  lsm_cgroup = 43,
  struct_ops = 44,
  netfilter = 45,
  tcx_ingress = 46,
  tcx_egress = 47,
  trace_uprobe_multi = 48,
  none = 0xffffffff,  // no expected attach type
};

// ---- Helper prototypes (helpers.def), as Linux's struct bpf_func_proto describes them ----

enum class ArgType : std::uint8_t {
  none,                      // argument not used
  anything,                  // any scalar or pointer value
  const_map_ptr,             // a map (lddw map reference)
  map_key,                   // pointer to key_size initialised bytes
  map_value,                 // pointer to value_size initialised bytes
  map_value_or_null,         // as map_value, or NULL (local storage: initial value)
  uninit_map_value,          // pointer to value_size writable bytes
  mem,                       // pointer to initialised memory of the size in the next argument
  mem_or_null,               // as mem, or NULL
  uninit_mem,                // pointer to writable memory of the size in the next argument
  uninit_mem_or_null,        // as uninit_mem, or NULL
  const_size,                // size (> 0) of the preceding memory argument
  const_size_or_zero,        // size (>= 0) of the preceding memory argument
  ctx,                       // the program's context
  ctx_or_null,               // the program's context, or NULL
  spin_lock,                 // pointer to a struct bpf_spin_lock in a map value
  long_ptr,                  // pointer to a writable 8-byte slot
  int_ptr,                   // pointer to a writable 4-byte slot
  const_str,                 // pointer to a NUL-terminated string in read-only memory
  func,                      // a callback (lddw code_addr)
  stack_or_null,             // pointer to the stack, or NULL (callback context)
  ringbuf_mem,               // a ring-buffer reservation (released by the helper)
  const_alloc_size_or_zero,  // allocation size
  sock_common,               // pointer to a socket (struct bpf_sock_common)
  socket,                    // pointer to a full socket
  btf_id_sock_common,        // pointer to any socket (sock_common, socket, tcp_sock, BTF)
  btf_id,                    // pointer to a kernel object by BTF id
  other,                     // a kind xbpf does not model (the helper is then unsupported)
};

enum class ReturnType : std::uint8_t {
  integer,              // a scalar (often 0 or a negative errno)
  void_,                // nothing (r0 undefined)
  map_value,            // pointer to a map value (bpf_get_local_storage)
  map_value_or_null,    // pointer to a map value, or NULL
  ringbuf_mem_or_null,  // pointer to a ring-buffer reservation, or NULL
  socket_or_null,       // pointer to a full socket, or NULL
  sock_common_or_null,  // pointer to a socket (struct bpf_sock_common), or NULL
  tcp_sock_or_null,     // pointer to a struct bpf_tcp_sock, or NULL
  btf_id,               // pointer to a kernel object by BTF id
  btf_id_or_null,       // as btf_id, or NULL
  other,                // a kind xbpf does not model
};

struct HelperPrototype {
  std::int32_t id;
  std::string_view name;  // without the bpf_ prefix, as in Linux's FN(...) list
  ReturnType ret;
  std::array<ArgType, 5> args;
};

// One enumerator per row of helpers.def: HelperId::map_lookup_elem == 1.
enum class HelperId : std::int32_t {
#define XBPF_HELPER(id, name, ...) name = id,
#include "progtype/helpers.def"
#undef XBPF_HELPER
};

// The prototype of helper `id`, or nullptr when Linux has no such helper.
const HelperPrototype* helper(std::int32_t id);
const HelperPrototype* helper_named(std::string_view name);  // "map_lookup_elem"
std::span<const HelperPrototype> all_helpers();              // by id, 1..N without gaps

std::string_view arg_type_name(ArgType type);        // "const_map_ptr"
std::string_view return_type_name(ReturnType type);  // "map_value_or_null"

// ---- Program types ----

// How a context field may be used. Packet bounds are u32 fields in __sk_buff and xdp_md and
// 8-byte __bpf_md_ptr fields elsewhere (sk_msg_md, bpf_sock_ops, sk_reuseport_md,
// bpf_sockopt); the pointer kinds are what the kernel's is_valid_access gives the register
// loaded from the field.
enum class FieldKind : std::uint8_t {
  scalar,               // a number
  packet_start,         // holds the packet's data pointer (PTR_TO_PACKET)
  packet_end,           // holds data_end (PTR_TO_PACKET_END)
  packet_meta,          // holds data_meta (PTR_TO_PACKET_META)
  socket,               // __bpf_md_ptr to a struct bpf_sock (PTR_TO_SOCKET)
  socket_or_null,       // as socket, or NULL (PTR_TO_SOCKET_OR_NULL)
  sock_common_or_null,  // __bpf_md_ptr to a struct bpf_sock, or NULL (PTR_TO_SOCK_COMMON_OR_NULL)
  flow_keys,            // __bpf_md_ptr to the struct bpf_flow_keys (PTR_TO_FLOW_KEYS)
};
std::string_view field_kind_name(FieldKind kind);  // "packet_start"

struct ContextField {
  std::string_view name;  // "mark", "cb" (arrays are one field), "reply"
  std::uint16_t offset;
  std::uint8_t size;  // bytes
  FieldKind kind;
  bool writable;  // readable fields are listed; writable ones are flagged
};

// The valid range of a program's return value (r0 at exit, as a signed 64-bit value compared
// on its low 32 bits where Linux does).
struct ReturnRange {
  std::int64_t min;
  std::int64_t max;
  [[nodiscard]] constexpr bool any() const {
    return min == std::numeric_limits<std::int64_t>::min() &&
           max == std::numeric_limits<std::int64_t>::max();
  }
  friend constexpr bool operator==(const ReturnRange&, const ReturnRange&) = default;
};
// Linux does not check the value (check_return_code has no rule for the type).
inline constexpr ReturnRange kAnyReturn{std::numeric_limits<std::int64_t>::min(),
                                        std::numeric_limits<std::int64_t>::max()};

struct ProgramTypeInfo {
  ProgramType type;
  std::string_view name;                 // libbpf's name: "xdp", "socket_filter", "sched_cls", ...
  std::string_view context;              // the uapi context struct: "xdp_md", "__sk_buff", ...
  std::uint32_t context_size;            // bytes
  std::span<const ContextField> fields;  // readable fields; any byte outside them is refused
  // Tracing types: every byte of [any_read_from, context_size) is readable (read-only);
  // `fields` then only names the bytes for messages.
  bool any_context_read;
  std::uint32_t any_read_from;
  ReturnRange returns;  // with no expected attach type (see returns_for)
  // Helpers the program type may call (ids, sorted).
  std::span<const std::int32_t> helpers;
  [[nodiscard]] bool allows_helper(std::int32_t id) const;
  // The field holding byte `offset` of the context, or nullptr.
  [[nodiscard]] const ContextField* field_at(std::uint32_t offset) const;
  // The return range for programs attached as `attach` (cgroup_skb egress and
  // cgroup_sock_addr bind allow [0, 3]; recvmsg, getpeername and getsockname require 1).
  [[nodiscard]] ReturnRange returns_for(AttachType attach) const;
};

const ProgramTypeInfo* program_type(ProgramType type);
// The same as programs expecting attach type `attach` see it: where Linux decides fields and
// helpers by attach type (cgroup_sock_addr), that attach type's; otherwise program_type().
const ProgramTypeInfo* program_type_for(ProgramType type, AttachType attach);
std::span<const ProgramTypeInfo> all_program_types();
// By libbpf's name ("xdp"), for --type.
const ProgramTypeInfo* program_type_named(std::string_view name);

// ---- Section names (libbpf's table, Documentation/bpf/libbpf/program_types.rst) ----

struct SectionMatch {
  ProgramType type;
  AttachType attach;
};
// The program type a section name selects ("xdp", "xdp.frags", "tc", "cgroup/connect4",
// "kprobe/do_sys_open", ...), or nullopt for a name libbpf does not know.
std::optional<SectionMatch> program_type_for_section(std::string_view section);

}  // namespace xbpf::progtype
