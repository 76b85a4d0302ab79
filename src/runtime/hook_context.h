// What a hook that runs programs on behalf of another process (the socket hooks, hooks/sock/)
// gives their helpers: the task whose call it is, and the socket the call is about. Without
// them (test runs, XDP), the bpf_get_current_* helpers report xbpf's own process and the
// socket helpers have no socket.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace xbpf::runtime {

// The thread that made the call (bpf_get_current_pid_tgid, _uid_gid, _comm, _cgroup_id).
class CurrentTask {
 public:
  virtual ~CurrentTask() = default;
  virtual std::uint64_t pid_tgid() = 0;   // tgid << 32 | thread id
  virtual std::uint64_t uid_gid() = 0;    // gid << 32 | uid (real ids)
  virtual std::string comm() = 0;         // at most 15 characters
  virtual std::uint64_t cgroup_id() = 0;  // its cgroup v2 id, 0 when unknown
};

// The socket of a cgroup_sock_addr program's call (bpf_bind, bpf_setsockopt, bpf_getsockopt,
// bpf_get_socket_cookie, bpf_get_netns_cookie). Results are 0 or a negative Linux errno.
class ProgramSocket {
 public:
  virtual ~ProgramSocket() = default;
  [[nodiscard]] virtual int family() const = 0;    // AF_INET, AF_INET6 (Linux's numbers)
  [[nodiscard]] virtual int protocol() const = 0;  // IPPROTO_TCP, IPPROTO_UDP, ...
  // `address` is a struct sockaddr_in or sockaddr_in6 the helper has checked.
  virtual long bind(std::span<const std::uint8_t> address) = 0;
  virtual long set_option(int level, int name, std::span<const std::uint8_t> value) = 0;
  // Fills the start of `value` (the program's buffer): the option's length, or -errno.
  virtual long get_option(int level, int name, std::span<std::uint8_t> value) = 0;
  virtual std::uint64_t cookie() = 0;
  virtual std::uint64_t netns_cookie() = 0;
};

// bpf_get_retval / bpf_set_retval of cgroup programs: the call's result so far, shared by
// the programs run for one call (0, or a negative errno).
struct CgroupRetval {
  std::int32_t value = 0;
};

}  // namespace xbpf::runtime
