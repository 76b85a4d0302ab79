// The socket hooks xbpf runs (one table): each cgroup_sock_addr attach type the supervisor
// serves, by its bpftool name, the call it intercepts and the socket family it applies to.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "platform/socket_supervision.h"
#include "progtype/progtype.h"

namespace xbpf::hooks::sock {

struct SockHook {
  std::string_view name;  // bpftool's ATTACH_TYPE ("connect4"), and libbpf's section suffix
  progtype::AttachType attach;
  platform::SocketCall call;
  int family;       // AF_INET or AF_INET6: the socket's (sendmsg: the destination's)
  bool can_refuse;  // a program may make the call fail (return 0, bpf_set_retval)
};

std::span<const SockHook> all_hooks();
const SockHook* hook_named(std::string_view name);
const SockHook* hook_for(progtype::AttachType attach);
const SockHook* hook_for(platform::SocketCall call, int family);
// "bind4, bind6, connect4, ..." (for messages).
std::string hook_names();

}  // namespace xbpf::hooks::sock
