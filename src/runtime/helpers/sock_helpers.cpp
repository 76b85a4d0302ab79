// Helpers of programs that run for another process's socket call (cgroup_sock_addr, through
// the socket hooks): the calling task's identity, the call's socket (bind, socket options,
// cookies), the cgroup programs' return value. Their argument checks are Linux's
// (net/core/filter.c: bpf_bind, sol_socket_sockopt, sol_tcp_sockopt, sol_ip_sockopt,
// sol_ipv6_sockopt; kernel/bpf/cgroup.c: bpf_get_retval, bpf_set_retval).
#include <cstring>

#include "platform/platform.h"
#include "runtime/helpers/helper_support.h"
#include "runtime/helpers/table.h"

namespace xbpf::runtime::helpers {
namespace {

using linux_abi::kEINVAL;

constexpr int kAfInet = 2, kAfInet6 = 10;
constexpr u64 kSockaddrIn = 16, kSockaddrIn6Rfc2133 = 24;  // SIN6_LEN_RFC2133
constexpr long kEAFNOSUPPORT = 97;

ProgramSocket* program_socket(const RunState& state) {
  return state.user == nullptr ? nullptr : static_cast<const RunContext*>(state.user)->socket;
}

XBPF_DEFINE_HELPER(get_current_uid_gid) {
  if (CurrentTask* task = current_task(state)) return task->uid_gid();
  return platform::user_group_ids();
}

XBPF_DEFINE_HELPER(get_current_cgroup_id) {
  if (CurrentTask* task = current_task(state)) return task->cgroup_id();
  return platform::cgroup_id();
}

// bpf_get_socket_cookie(ctx): the socket's cookie (SO_COOKIE's value); 0 without a socket.
XBPF_DEFINE_HELPER(get_socket_cookie) {
  ProgramSocket* socket = program_socket(state);
  return socket != nullptr ? socket->cookie() : 0;
}

// bpf_get_netns_cookie(ctx or NULL): the cookie of the socket's network namespace; without a
// socket (or with NULL), xbpf's own namespace's (Linux: init_net's).
XBPF_DEFINE_HELPER(get_netns_cookie) {
  ProgramSocket* socket = program_socket(state);
  return socket != nullptr && r1 != 0 ? socket->netns_cookie() : platform::netns_cookie();
}

// bpf_bind(ctx, addr, addr_len): binds the socket before its connect (connect hooks only); a
// port of 0 is chosen at connect time (BIND_FORCE_ADDRESS_NO_PORT). The bind hooks do not
// run for it.
XBPF_DEFINE_HELPER(bind) {
  const u64 length = r3;
  if (!check_memory(state, "bind", "addr", r2, length, false)) return 0;
  ProgramSocket* socket = program_socket(state);
  if (socket == nullptr || length < 2) return error_code(-kEINVAL);
  const auto* bytes = pointer<const std::uint8_t>(r2);
  const int family = bytes[0] | bytes[1] << 8;
  if (family == kAfInet) {
    if (length < kSockaddrIn) return error_code(-kEINVAL);
  } else if (family == kAfInet6) {
    if (length < kSockaddrIn6Rfc2133) return error_code(-kEINVAL);
  } else {
    return error_code(-kEAFNOSUPPORT);
  }
  return error_code(socket->bind({bytes, static_cast<std::size_t>(length)}));
}

// The options bpf_setsockopt and bpf_getsockopt accept, as Linux 6.18: an int unless noted.
enum class OptionValue : std::uint8_t { integer, text, bytes, refused };

OptionValue option_kind(int level, int name, int family, int protocol, bool get) {
  constexpr int kSolSocket = 1, kSolIp = 0, kSolTcp = 6, kSolIpv6 = 41, kIpprotoTcp = 6;
  switch (level) {
    case kSolSocket:
      switch (name) {
        case 2:   // SO_REUSEADDR
        case 7:   // SO_SNDBUF
        case 8:   // SO_RCVBUF
        case 9:   // SO_KEEPALIVE
        case 12:  // SO_PRIORITY
        case 15:  // SO_REUSEPORT
        case 18:  // SO_RCVLOWAT
        case 36:  // SO_MARK
        case 47:  // SO_MAX_PACING_RATE
        case 62:  // SO_BINDTOIFINDEX
        case 74:  // SO_TXREHASH
          return OptionValue::integer;
        case 25:  // SO_BINDTODEVICE
          return get ? OptionValue::refused : OptionValue::text;
        default: return OptionValue::refused;
      }
    case kSolTcp:
      if (protocol != kIpprotoTcp) return OptionValue::refused;
      switch (name) {
        case 1:   // TCP_NODELAY
        case 2:   // TCP_MAXSEG
        case 4:   // TCP_KEEPIDLE
        case 5:   // TCP_KEEPINTVL
        case 6:   // TCP_KEEPCNT
        case 7:   // TCP_SYNCNT
        case 10:  // TCP_WINDOW_CLAMP
        case 16:  // TCP_THIN_LINEAR_TIMEOUTS
        case 18:  // TCP_USER_TIMEOUT
        case 25:  // TCP_NOTSENT_LOWAT
        case 27:  // TCP_SAVE_SYN
          return OptionValue::integer;
        case 13:  // TCP_CONGESTION
          return OptionValue::text;
        case 28:  // TCP_SAVED_SYN
          return get ? OptionValue::bytes : OptionValue::refused;
        default:  // TCP_BPF_* live in the kernel's socket; user space cannot set them
          return OptionValue::refused;
      }
    case kSolIp:
      return family == kAfInet && name == 1 ? OptionValue::integer  // IP_TOS
                                            : OptionValue::refused;
    case kSolIpv6:
      return family == kAfInet6 && (name == 67 || name == 70)  // IPV6_TCLASS, _AUTOFLOWLABEL
                 ? OptionValue::integer
                 : OptionValue::refused;
    default: return OptionValue::refused;
  }
}

// bpf_setsockopt(ctx, level, optname, optval, optlen).
XBPF_DEFINE_HELPER(setsockopt) {
  const u64 length = r5;
  if (!check_memory(state, "setsockopt", "optval", r4, length, false)) return 0;
  ProgramSocket* socket = program_socket(state);
  if (socket == nullptr) return error_code(-kEINVAL);
  const auto level = static_cast<int>(r2), name = static_cast<int>(r3);
  const OptionValue kind = option_kind(level, name, socket->family(), socket->protocol(), false);
  if (kind == OptionValue::refused || (kind == OptionValue::integer && length != 4))
    return error_code(-kEINVAL);
  return error_code(socket->set_option(
      level, name, {pointer<const std::uint8_t>(r4), static_cast<std::size_t>(length)}));
}

// bpf_getsockopt(ctx, level, optname, optval, optlen): on failure optval is all zeroes, and
// the bytes past the option's length too.
XBPF_DEFINE_HELPER(getsockopt) {
  const u64 length = r5;
  if (!check_memory(state, "getsockopt", "optval", r4, length, true)) return 0;
  auto* out = pointer<std::uint8_t>(r4);
  ProgramSocket* socket = program_socket(state);
  long result = -kEINVAL;
  if (socket != nullptr) {
    const auto level = static_cast<int>(r2), name = static_cast<int>(r3);
    const OptionValue kind = option_kind(level, name, socket->family(), socket->protocol(), true);
    if (kind != OptionValue::refused && (kind != OptionValue::integer || length == 4) &&
        (kind != OptionValue::bytes || length >= 1))
      result = socket->get_option(level, name, {out, static_cast<std::size_t>(length)});
  }
  const u64 filled = result > 0 ? std::min<u64>(static_cast<u64>(result), length) : 0;
  if (filled < length) std::memset(out + filled, 0, length - filled);
  return error_code(result < 0 ? result : 0);
}

// bpf_get_retval() and bpf_set_retval(retval): the result the call gets so far (0, or the
// errno a program set or the -EPERM a refusal set).
XBPF_DEFINE_HELPER(get_retval) {
  const RunContext& run = run_context(state);
  return run.retval != nullptr ? static_cast<u64>(static_cast<std::int64_t>(run.retval->value)) : 0;
}

XBPF_DEFINE_HELPER(set_retval) {
  RunContext& run = run_context(state);
  if (run.retval != nullptr) run.retval->value = static_cast<std::int32_t>(r1);
  return 0;
}

}  // namespace

void register_sock_helpers(HelperTable& table) {
  table.add(15, get_current_uid_gid);
  table.add(46, get_socket_cookie);
  table.add(49, setsockopt);
  table.add(57, getsockopt);
  table.add(64, bind);
  table.add(80, get_current_cgroup_id);
  table.add(122, get_netns_cookie);
  table.add(186, get_retval);
  table.add(187, set_retval);
}

}  // namespace xbpf::runtime::helpers
