#include "hooks/sock/hooks.h"

#include "hooks/sock/sock_addr.h"

namespace xbpf::hooks::sock {
namespace {

using A = progtype::AttachType;
using C = platform::SocketCall;

constexpr SockHook kHooks[] = {
    {"bind4", A::cgroup_inet4_bind, C::bind, kAfInet, true},
    {"bind6", A::cgroup_inet6_bind, C::bind, kAfInet6, true},
    {"connect4", A::cgroup_inet4_connect, C::connect, kAfInet, true},
    {"connect6", A::cgroup_inet6_connect, C::connect, kAfInet6, true},
    {"getpeername4", A::cgroup_inet4_getpeername, C::getpeername, kAfInet, false},
    {"getpeername6", A::cgroup_inet6_getpeername, C::getpeername, kAfInet6, false},
    {"getsockname4", A::cgroup_inet4_getsockname, C::getsockname, kAfInet, false},
    {"getsockname6", A::cgroup_inet6_getsockname, C::getsockname, kAfInet6, false},
    {"sendmsg4", A::cgroup_udp4_sendmsg, C::sendmsg, kAfInet, true},
    {"sendmsg6", A::cgroup_udp6_sendmsg, C::sendmsg, kAfInet6, true},
    {"recvmsg4", A::cgroup_udp4_recvmsg, C::recvmsg, kAfInet, false},
    {"recvmsg6", A::cgroup_udp6_recvmsg, C::recvmsg, kAfInet6, false},
};

}  // namespace

std::span<const SockHook> all_hooks() { return kHooks; }

const SockHook* hook_named(std::string_view name) {
  for (const SockHook& hook : kHooks) {
    if (hook.name == name) return &hook;
  }
  return nullptr;
}

const SockHook* hook_for(progtype::AttachType attach) {
  for (const SockHook& hook : kHooks) {
    if (hook.attach == attach) return &hook;
  }
  return nullptr;
}

const SockHook* hook_for(platform::SocketCall call, int family) {
  for (const SockHook& hook : kHooks) {
    if (hook.call == call && hook.family == family) return &hook;
  }
  return nullptr;
}

std::string hook_names() {
  std::string names;
  for (const SockHook& hook : kHooks) names += (names.empty() ? "" : ", ") + std::string(hook.name);
  return names;
}

}  // namespace xbpf::hooks::sock
