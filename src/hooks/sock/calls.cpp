// One intercepted call: its context filled, the hook's programs run, the call carried out by
// the supervisor (or left to the kernel where nothing can depend on it).
#include <optional>

#include "hooks/sock/cgroup.h"
#include "support/linux_abi.h"

namespace xbpf::hooks::sock {
namespace {

using platform::CallReply;
using platform::SocketAddress;
using platform::SocketCall;
using platform::SocketKind;

// Whether the kernel runs the hook's programs for this call: the sockets whose protocol has
// a bind or pre_connect step (TCP, MPTCP, UDP, UDP-Lite, ICMP echo; not raw sockets), with
// an address long enough for the socket's family; a connect to AF_UNSPEC (a disconnect) runs
// none.
bool runs_programs(SocketCall call, const SocketKind& kind, const SocketAddress& address) {
  if (call == SocketCall::getsockname || call == SocketCall::getpeername) return true;
  const bool stream =
      kind.type == kSockStream && (kind.protocol == kIpprotoTcp || kind.protocol == kIpprotoMptcp);
  const bool datagram = kind.type == kSockDgram &&
                        (kind.protocol == kIpprotoUdp || kind.protocol == kIpprotoUdplite ||
                         kind.protocol == kIpprotoIcmp || kind.protocol == kIpprotoIcmpv6);
  if (!stream && !datagram) return false;
  const std::uint32_t shortest = kind.family == kAfInet ? kSockaddrInLength : kSockaddrIn6MinLength;
  if (address.length < shortest) return false;
  const int family = address.bytes[0] | address.bytes[1] << 8;
  return !(call == SocketCall::connect && family == kAfUnspec);
}

CallReply result_of(int error) { return error == 0 ? CallReply::ok() : CallReply::fail(error); }

// What the helpers see of the call: the calling thread, and its socket. The program's view
// of the socket (ctx->sk) follows what bpf_bind and bpf_setsockopt change, as in the kernel,
// where it is the socket itself.
class CallContext final : public runtime::CurrentTask, public runtime::ProgramSocket {
 public:
  CallContext(platform::SupervisedCall& call, const SocketKind& kind, BpfSock* view)
      : call_(call), kind_(kind), view_(view) {}

  std::uint64_t pid_tgid() override {
    return static_cast<std::uint64_t>(call_.process_id()) << 32 | call_.thread_id();
  }
  std::uint64_t uid_gid() override {
    return static_cast<std::uint64_t>(ids().gid) << 32 | ids().uid;
  }
  std::string comm() override { return call_.comm(); }
  std::uint64_t cgroup_id() override { return call_.cgroup_id(); }

  [[nodiscard]] int family() const override { return kind_.family; }
  [[nodiscard]] int protocol() const override { return kind_.protocol; }
  long bind(std::span<const std::uint8_t> address) override {
    SocketAddress copy;
    copy.length =
        static_cast<std::uint32_t>(std::min<std::size_t>(address.size(), copy.bytes.size()));
    std::copy_n(address.begin(), copy.length, copy.bytes.begin());
    return changed(call_.bind_from_program(copy));
  }
  long set_option(int level, int name, std::span<const std::uint8_t> value) override {
    return changed(call_.set_option(level, name, value));
  }
  long get_option(int level, int name, std::span<std::uint8_t> value) override {
    std::uint32_t length = 0;
    const int error = call_.get_option(level, name, value, &length);
    return error != 0 ? -error : static_cast<long>(length);
  }
  std::uint64_t cookie() override { return call_.cookie(); }
  std::uint64_t netns_cookie() override { return call_.netns_cookie(); }

 private:
  const platform::TaskIds& ids() {
    if (!ids_) ids_ = call_.task();
    return *ids_;
  }
  long changed(int error) {
    if (error == 0 && view_ != nullptr) *view_ = socket_view(kind_, call_.state());
    return -error;
  }
  platform::SupervisedCall& call_;
  const SocketKind& kind_;
  BpfSock* view_;
  std::optional<platform::TaskIds> ids_;
};

}  // namespace

CallReply Cgroup::handle(platform::SupervisedCall& call) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  switch (call.call()) {
    case SocketCall::bind:
    case SocketCall::connect: return address_call(call);
    case SocketCall::getsockname:
    case SocketCall::getpeername: return name_call(call);
    case SocketCall::sendmsg: return send_call(call);
    case SocketCall::recvmsg: return receive_call(call);
  }
  return CallReply::fail(static_cast<int>(linux_abi::kEOPNOTSUPP));
}

Verdict Cgroup::run_programs(const ProgramList& programs, platform::SupervisedCall& call,
                             const SocketKind& kind, BpfSockAddr& context) {
  // ctx->sk points to a struct bpf_sock of the socket, looked at only for the programs that
  // read it (six system calls).
  BpfSock sock{};
  const bool view = reads_socket(programs);
  if (view) sock = socket_view(kind, call.state());
  CallContext helpers(call, kind, view ? &sock : nullptr);
  Verdict verdict = runner_.run(programs, context, &sock, &helpers, &helpers);
  if (verdict.fault) record_fault(*verdict.fault);
  return verdict;
}

// bind, connect: the address read once, the programs run on it, the call carried out with
// the programs' copy.
CallReply Cgroup::address_call(platform::SupervisedCall& call) {
  SocketKind kind;
  if (int error = call.open_socket(&kind)) return CallReply::fail(error);
  SocketAddress address;
  if (int error = call.read_address(&address)) return CallReply::fail(error);
  const bool binding = call.call() == SocketCall::bind;
  if (!is_inet(kind)) {
    // No program looks at these; the kernel may do the call itself if nothing can swap
    // another socket in under the descriptor meanwhile.
    if (call.kernel_may_continue()) return CallReply::in_kernel();
    return result_of(binding ? call.bind(address, true) : call.connect(address));
  }
  bool check_port_privilege = true;
  const SockHook* hook = hook_for(call.call(), kind.family);
  const std::shared_ptr<const ProgramList> attached = programs(*hook);
  if (!attached->empty() && runs_programs(call.call(), kind, address)) {
    BpfSockAddr context;
    fill_context(context, address, kind);
    const Verdict verdict = run_programs(*attached, call, kind, context);
    if (verdict.retval < 0) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return CallReply::fail(-verdict.retval);
    }
    if (verdict.retval > 0) return CallReply::ok(verdict.retval);
    // BPF_RET_BIND_NO_CAP_NET_BIND_SERVICE.
    if (binding && (verdict.flags & 1) != 0) check_port_privilege = false;
    if (apply_context(context, hook->family == kAfInet6, address))
      rewritten_.fetch_add(1, std::memory_order_relaxed);
  }
  return result_of(binding ? call.bind(address, check_port_privilege) : call.connect(address));
}

// getsockname, getpeername: the socket's address, rewritten by the programs, returned to the
// process. These hooks cannot refuse (their programs must return 1): for other sockets the
// kernel answers.
CallReply Cgroup::name_call(platform::SupervisedCall& call) {
  SocketKind kind;
  if (int error = call.open_socket(&kind)) return CallReply::fail(error);
  if (!is_inet(kind)) return CallReply::in_kernel();
  SocketAddress address;
  if (int error = call.socket_name(&address)) return CallReply::fail(error);
  const SockHook* hook = hook_for(call.call(), kind.family);
  const std::shared_ptr<const ProgramList> attached = programs(*hook);
  if (!attached->empty()) {
    BpfSockAddr context;
    fill_context(context, address, kind);
    run_programs(*attached, call, kind, context);
    if (apply_context(context, hook->family == kAfInet6, address))
      rewritten_.fetch_add(1, std::memory_order_relaxed);
  }
  return result_of(call.return_socket_name(address));
}

}  // namespace xbpf::hooks::sock
