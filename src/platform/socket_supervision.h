// Supervision of other processes' socket calls, for the socket hooks (hooks/sock/,
// docs/sock.md). A supervised process tree runs under a seccomp filter whose bind, connect,
// ... calls stop in the kernel and are handed to the supervisor (seccomp user notification,
// no privileges needed); the supervisor decides, performs the call itself on the process's own
// socket (pidfd_getfd) with its own copy of the address, and answers with the result.
//
// Linux only: Windows user mode has no way to stop another process's calls and hand them to
// a supervisor. There every entry point fails with "not supported on this platform".
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "support/error.h"

namespace xbpf::platform {

// The calls a supervisor can intercept (one per kind of hook).
enum class SocketCall : std::uint8_t { bind, connect, getsockname, getpeername, sendmsg, recvmsg };
inline constexpr unsigned kSocketCallKinds = 6;
constexpr std::uint32_t call_bit(SocketCall call) { return 1U << static_cast<unsigned>(call); }

// Why socket supervision cannot work here (no seccomp user notification, no pidfd_getfd, not
// Linux), or success.
Status socket_supervision_available();

// An address as a socket call takes it: the bytes of a struct sockaddr_* (Linux's layout), at
// most sizeof(struct sockaddr_storage).
struct SocketAddress {
  static constexpr std::uint32_t kMaxLength = 128;
  std::array<std::uint8_t, kMaxLength> bytes{};
  std::uint32_t length = 0;
};

// A socket's domain, type and protocol (SO_DOMAIN, SO_TYPE, SO_PROTOCOL: Linux's numbers).
struct SocketKind {
  int family = 0;
  int type = 0;
  int protocol = 0;
};

// What struct bpf_sock shows of a socket.
struct SocketState {
  std::uint32_t bound_dev_if = 0;
  std::uint32_t mark = 0;
  std::uint32_t priority = 0;
  SocketAddress local;      // length 0 when unknown
  SocketAddress peer;       // length 0 when not connected
  std::uint32_t state = 0;  // TCP_* (TCP_CLOSE = 7 for an unconnected datagram socket)
};

// The identity of the thread that made a call (the bpf_get_current_* helpers).
struct TaskIds {
  std::uint32_t tgid = 0;
  std::uint32_t uid = 0;  // real ids, as current_uid_gid()
  std::uint32_t gid = 0;
};

// How an intercepted call ends: with a result (a value, or a Linux errno), or continued by
// the kernel as the process made it (only where the supervisor proved that safe).
struct CallReply {
  enum class Kind : std::uint8_t { value, error, kernel };
  Kind kind = Kind::error;
  std::int64_t value = 0;
  int error = 0;
  static CallReply ok(std::int64_t value = 0) { return {Kind::value, value, 0}; }
  static CallReply fail(int error) { return {Kind::error, 0, error}; }
  static CallReply in_kernel() { return {Kind::kernel, 0, 0}; }
};

// One message of a send (sendto, sendmsg, sendmmsg) or a receive (recvfrom, recvmsg,
// recvmmsg) that the supervisor carries out, as the socket hooks see it.
struct Datagram {
  // Send: the destination (length 0: none given). Receive: the source the process is told.
  SocketAddress name;
  // Send, without a name: the socket's peer (length 0: not connected).
  SocketAddress peer;
  std::uint64_t length = 0;  // payload bytes
  int flags = 0;             // the call's MSG_* flags
  bool control = false;      // send: the message has control messages
  // Send: the source address the kernel would take before the programs run, when a control
  // message gives it (IP_PKTINFO's ipi_spec_dst: source_family AF_INET, 4 bytes; IPV6_PKTINFO's
  // ipi6_addr: AF_INET6, 16 bytes; network order); source_family 0 without one (the socket's
  // bound address applies). A decision that changes it sets source_changed and the family,
  // and the message goes with that control message set.
  int source_family = 0;
  std::array<std::uint8_t, 16> source{};
  bool source_changed = false;
};

// Decides one message of a send, possibly rewriting its name and source: 0 sends it, an errno
// fails it (and, in sendmmsg, ends the call there).
using SendDecision = std::function<int(Datagram&)>;
// Rewrites the name of one received message before the process sees it.
using ReceiveRewrite = std::function<void(Datagram&)>;

// One intercepted call, while the supervisor handles it. Operations return 0 or a Linux
// errno. The socket is the supervisor's own descriptor of the process's socket: what the
// supervisor does with it, the process's socket does.
class SupervisedCall {
 public:
  virtual ~SupervisedCall() = default;
  [[nodiscard]] virtual SocketCall call() const = 0;
  [[nodiscard]] virtual std::uint32_t thread_id() const = 0;

  // The process's socket (EBADF, ENOTSOCK, EPERM when the supervisor may not take it).
  virtual int open_socket(SocketKind* kind) = 0;
  // The address the process passed (bind, connect; sendmsg's destination), read once: the
  // process may change its memory afterwards, this copy does not change.
  virtual int read_address(SocketAddress* address) = 0;
  // True when the kernel may carry the call out as the process made it: no other thread can
  // change which socket the descriptor names before the kernel reads it again. For sockets no
  // program looks at (not AF_INET/AF_INET6).
  virtual bool kernel_may_continue() = 0;

  // The call itself, on the socket. bind: with `check_port_privilege`, a port below
  // ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE in the calling thread (else
  // EACCES), as in the kernel; without, the supervisor's own privilege decides.
  virtual int bind(const SocketAddress& address, bool check_port_privilege) = 0;
  virtual int connect(const SocketAddress& address) = 0;
  // getsockname / getpeername: the socket's address, then the (possibly rewritten) address
  // written back to the process as the call returns it.
  virtual int socket_name(SocketAddress* address) = 0;
  virtual int return_socket_name(const SocketAddress& address) = 0;
  // sendto, sendmsg, sendmmsg (after open_socket): each message read from the process once,
  // decided, and sent by the supervisor (the process's credentials where they matter;
  // SCM_RIGHTS descriptors taken from the process); the call's result as the kernel gives it
  // (bytes, or messages for sendmmsg).
  virtual CallReply send(const SendDecision& decide) = 0;
  // recvfrom, recvmsg, recvmmsg: the datagrams received by the supervisor, each name passed
  // to `rewrite`, then written to the process with the data and control messages. The kernel
  // carries out a receive that asks for no name (or for the error queue) itself.
  virtual CallReply receive(const ReceiveRewrite& rewrite) = 0;
  // The socket's own address (getsockname), length 0 when it has none.
  virtual SocketAddress local_address() = 0;

  // For the programs' helpers, on the same socket.
  virtual int bind_from_program(const SocketAddress& address) = 0;  // bpf_bind
  virtual int set_option(int level, int name, std::span<const std::uint8_t> value) = 0;
  virtual int get_option(int level, int name, std::span<std::uint8_t> value,
                         std::uint32_t* length) = 0;
  virtual std::uint64_t cookie() = 0;        // SO_COOKIE
  virtual std::uint64_t netns_cookie() = 0;  // SO_NETNS_COOKIE of the socket's namespace
  virtual SocketState state() = 0;

  // The calling thread: its process, its ids.
  virtual std::uint32_t process_id() = 0;
  virtual TaskIds task() = 0;
  virtual std::string comm() = 0;
  virtual std::uint64_t cgroup_id() = 0;
};

using CallHandler = std::function<CallReply(SupervisedCall&)>;

struct SupervisorOptions {
  std::uint32_t calls = 0;  // call_bit()s of the calls to intercept
  CallHandler handler;      // runs on the supervisor's threads, several at once
  // Orphaned descendants become the supervisor's children (PR_SET_CHILD_SUBREAPER), so that
  // wait_tree() sees the whole tree; for a process that owns its children (xbpf cgroup run).
  bool reap_orphans = false;
  // The supervised processes cannot trace the supervisor or read its memory, as they could
  // one of their own user (PR_SET_DUMPABLE 0: no core dumps either).
  bool protect_supervisor = false;
};

// Processes started under supervision, and the threads serving their calls (as many as
// calls are in progress, plus one waiting).
class Supervisor {
 public:
  static Result<std::unique_ptr<Supervisor>> create(SupervisorOptions options);
  virtual ~Supervisor() = default;
  // Starts argv (argv[0] searched in PATH) under supervision; its descendants inherit it.
  virtual Result<std::uint32_t> spawn(const std::vector<std::string>& argv) = 0;
  // Waits for process `pid` (one spawn() started) and returns its exit code (128 + signal).
  virtual Result<int> wait(std::uint32_t pid) = 0;
  // spawn, then wait until the process and every descendant have exited (reap_orphans);
  // SIGTERM, SIGHUP and a SIGINT or SIGQUIT sent with kill() go on to the process, terminal
  // ones reach it anyway. Returns the process's exit code.
  virtual Result<int> run_tree(const std::vector<std::string>& argv) = 0;
  // Calls handled so far.
  [[nodiscard]] virtual std::uint64_t calls_handled() const = 0;
};

}  // namespace xbpf::platform
