// UDP sends and receives (sendmsg4/6, recvmsg4/6): which messages Linux runs the programs
// for (udp_sendmsg, udpv6_sendmsg, udp_recvmsg, udpv6_recvmsg), what their context holds,
// and the rewrites put back into the message the supervisor sends or the process receives.
#include <array>
#include <cstring>
#include <optional>

#include "hooks/sock/cgroup.h"
#include "support/linux_abi.h"

namespace xbpf::hooks::sock {
namespace {

using platform::CallReply;
using platform::Datagram;
using platform::SocketAddress;
using platform::SocketCall;
using platform::SocketKind;

constexpr std::uint64_t kMaxUdpLength = 0xFFFF;        // udp_sendmsg: beyond, EMSGSIZE
constexpr std::size_t kIp4Offset = 4, kIp6Offset = 8;  // in sockaddr_in, sockaddr_in6

bool udp(const SocketKind& kind) {
  return is_inet(kind) && kind.type == kSockDgram &&
         (kind.protocol == kIpprotoUdp || kind.protocol == kIpprotoUdplite);
}

unsigned port_of(const SocketAddress& address) {
  return address.length >= 4 ? unsigned{address.bytes[2]} << 8 | address.bytes[3] : 0;
}

// What the programs of one send run on: the hook (sendmsg4 takes a struct sockaddr_in
// whatever the socket's family), the address (length 0: none, a connected socket's send
// with control messages), and where a rewritten address goes.
struct SendTarget {
  enum class Back : std::uint8_t { none, name, mapped_name, mapped_peer };
  bool ipv4 = true;
  SocketAddress address;
  Back back = Back::none;
};

// udp_sendmsg: a send to `name` (or, without one, to the peer) runs sendmsg4 programs unless
// it fails before them (the supervisor's own send then fails as the kernel's would) or goes
// to the peer of a connected socket without control messages.
std::optional<SendTarget> ipv4_target(const Datagram& datagram, const SocketAddress& name,
                                      SendTarget::Back back) {
  if (datagram.length > kMaxUdpLength || (datagram.flags & kMsgOob) != 0) return std::nullopt;
  SendTarget target;
  if (name.length != 0) {
    const int family = family_of(name);
    if (name.length < kSockaddrInLength || (family != kAfInet && family != kAfUnspec) ||
        port_of(name) == 0)
      return std::nullopt;
    target.address = name;
    target.back = back;
    return target;
  }
  if (datagram.peer.length == 0 || !datagram.control) return std::nullopt;
  return target;
}

// Which hook Linux runs for a send, if any (an IPv6 socket sends to IPv4 and IPv4-mapped
// addresses through udp_sendmsg, so those take sendmsg4; so does every send of an IPv6
// socket connected to a mapped address).
std::optional<SendTarget> send_target(const SocketKind& kind, const Datagram& datagram) {
  using Back = SendTarget::Back;
  const SocketAddress& name = datagram.name;
  if (kind.family == kAfInet) return ipv4_target(datagram, name, Back::name);
  const int family = family_of(name);
  if (name.length != 0 && family != kAfUnspec) {
    if (family == kAfInet) return ipv4_target(datagram, name, Back::name);
    if (family != kAfInet6 || name.length < kSockaddrIn6MinLength) return std::nullopt;
    if (is_v4_mapped(name)) return ipv4_target(datagram, ipv4_of_mapped(name), Back::mapped_name);
    if (port_of(name) == 0) return std::nullopt;
    SendTarget target;
    target.ipv4 = false;
    target.address = name;
    target.back = Back::name;
    return target;
  }
  if (datagram.peer.length == 0) return std::nullopt;
  if (is_v4_mapped(datagram.peer))
    return ipv4_target(datagram, ipv4_of_mapped(datagram.peer), Back::mapped_peer);
  if (!datagram.control) return std::nullopt;
  SendTarget target;
  target.ipv4 = false;
  return target;
}

// msg_src_ip4 / msg_src_ip6 before the programs: what IP_PKTINFO or IPV6_PKTINFO gives (an
// IPV6_PKTINFO of an IPv4 send holds a mapped address), else the socket's bound address.
std::array<std::uint8_t, 16> send_source(platform::SupervisedCall& call, bool ipv4,
                                         const Datagram& datagram) {
  std::array<std::uint8_t, 16> source{};
  const std::uint8_t* given = datagram.source.data();
  if (ipv4 && datagram.source_family == kAfInet) {
    std::memcpy(source.data(), given, 4);
  } else if (datagram.source_family == kAfInet6) {
    if (!ipv4) {
      source = datagram.source;
    } else {
      std::memcpy(source.data(), given + 12, 4);
    }
  } else {
    const SocketAddress local = call.local_address();
    const int family = family_of(local);
    if (ipv4 && family == kAfInet && local.length >= kSockaddrInLength) {
      std::memcpy(source.data(), local.bytes.data() + kIp4Offset, 4);
    } else if (ipv4 && is_v4_mapped(local)) {
      std::memcpy(source.data(), local.bytes.data() + kIp6Offset + 12, 4);
    } else if (!ipv4 && family == kAfInet6 && local.length >= kSockaddrIn6MinLength) {
      std::memcpy(source.data(), local.bytes.data() + kIp6Offset, 16);
    }
  }
  return source;
}

}  // namespace

// One message of a UDP send: the programs of its hook run, a refusal fails it, the rewritten
// destination and source go into the message. After the programs, as in the kernel: port 0
// is EINVAL, and an IPv6 address rewritten to a mapped one ENOTSUPP.
int Cgroup::decide_send(platform::SupervisedCall& call, const SocketKind& kind,
                        Datagram& datagram) {
  const std::optional<SendTarget> target = send_target(kind, datagram);
  if (!target) return 0;
  const SockHook* hook = hook_for(SocketCall::sendmsg, target->ipv4 ? kAfInet : kAfInet6);
  const std::shared_ptr<const ProgramList> attached = programs(*hook);
  if (attached->empty()) return 0;
  BpfSockAddr context;
  fill_context(context, target->address, kind);
  const std::array<std::uint8_t, 16> source = send_source(call, target->ipv4, datagram);
  std::memcpy(target->ipv4 ? &context.msg_src_ip4 : context.msg_src_ip6, source.data(),
              target->ipv4 ? 4 : 16);
  const Verdict verdict = run_programs(*attached, call, kind, context);
  if (verdict.retval < 0) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    return -verdict.retval;
  }
  SocketAddress address = target->address;
  bool changed = address.length != 0 && apply_context(context, !target->ipv4, address);
  if (address.length != 0) {
    if (port_of(address) == 0) return static_cast<int>(linux_abi::kEINVAL);
    if (!target->ipv4 && is_v4_mapped(address)) return static_cast<int>(linux_abi::kENOTSUPP);
  }
  switch (target->back) {
    case SendTarget::Back::none: break;
    case SendTarget::Back::name: datagram.name = address; break;
    case SendTarget::Back::mapped_name: put_mapped(address, datagram.name); break;
    case SendTarget::Back::mapped_peer:
      if (changed) put_mapped(address, datagram.name);
      break;
  }
  const void* chosen = target->ipv4 ? static_cast<const void*>(&context.msg_src_ip4)
                                    : static_cast<const void*>(context.msg_src_ip6);
  const std::size_t size = target->ipv4 ? 4 : 16;
  if (std::memcmp(chosen, source.data(), size) != 0) {
    datagram.source = {};
    std::memcpy(datagram.source.data(), chosen, size);
    datagram.source_family = target->ipv4 ? kAfInet : kAfInet6;
    datagram.source_changed = true;
    changed = true;
  }
  if (changed) rewritten_.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

// sendto, sendmsg, sendmmsg. Sends on sockets other than IPv4 and IPv6 run no programs: the
// kernel makes them itself where the descriptor cannot change meanwhile (one thread), as for
// their binds and connects. Every other send is made by the supervisor, so that neither the
// message nor the socket behind the descriptor can change after the programs saw them.
CallReply Cgroup::send_call(platform::SupervisedCall& call) {
  SocketKind kind;
  if (int error = call.open_socket(&kind)) return CallReply::fail(error);
  if (!is_inet(kind) && call.kernel_may_continue()) return CallReply::in_kernel();
  if (!udp(kind)) return call.send([](Datagram&) { return 0; });
  return call.send([&](Datagram& datagram) { return decide_send(call, kind, datagram); });
}

// recvfrom, recvmsg, recvmmsg of a UDP socket: the source address of each datagram, as the
// recvmsg programs of the socket's family rewrite it (an IPv6 socket's IPv4 datagrams come
// from mapped addresses). These programs cannot refuse; the kernel answers every other
// receive.
CallReply Cgroup::receive_call(platform::SupervisedCall& call) {
  SocketKind kind;
  if (call.open_socket(&kind) != 0 || !udp(kind)) return CallReply::in_kernel();
  const std::shared_ptr<const ProgramList> attached =
      programs(*hook_for(SocketCall::recvmsg, kind.family));
  if (attached->empty()) return CallReply::in_kernel();
  return call.receive([&](Datagram& datagram) {
    BpfSockAddr context;
    fill_context(context, datagram.name, kind);
    run_programs(*attached, call, kind, context);
    if (apply_context(context, kind.family == kAfInet6, datagram.name))
      rewritten_.fetch_add(1, std::memory_order_relaxed);
  });
}

}  // namespace xbpf::hooks::sock
