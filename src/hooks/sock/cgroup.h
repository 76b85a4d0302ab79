// A "cgroup" of the socket hooks (docs/sock.md): the processes started through it and all
// their descendants, supervised (platform/socket_supervision.h), with cgroup_sock_addr
// programs attached to it as to a Linux cgroup. For each bind, connect, getsockname and
// getpeername of an AF_INET or AF_INET6 socket of those processes, and each UDP send and
// receive with an address, the programs attached for that call run in attach order on a
// struct bpf_sock_addr; a refusal fails the call with EPERM (or the errno bpf_set_retval
// gave); otherwise the supervisor carries the call out on the process's socket with the
// program's copy of the address, so that rewrites take effect and no thread of the process
// can change the address after the programs saw it.
//
// `xbpf cgroup run` is one; the libbpf-compatible library's bpf_prog_attach and
// bpf_program__attach_cgroup attach through attach() and detach().
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hooks/sock/hooks.h"
#include "hooks/sock/program_runner.h"
#include "platform/socket_supervision.h"
#include "runtime/runtime.h"
#include "support/error.h"

namespace xbpf::hooks::sock {

// Attach flags, Linux's (BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI, BPF_F_REPLACE).
inline constexpr std::uint32_t kAllowOverride = 1U << 0;
inline constexpr std::uint32_t kAllowMulti = 1U << 1;
inline constexpr std::uint32_t kReplace = 1U << 2;

struct CgroupOptions {
  // run() waits for every descendant too (they become the supervisor's children:
  // PR_SET_CHILD_SUBREAPER), and the supervisor cannot be traced or inspected by the
  // processes it supervises (PR_SET_DUMPABLE 0). For a process of its own (xbpf cgroup run).
  bool own_process = false;
  // Calls intercepted even with no program attached for them yet (a later attach() of a
  // getsockname or getpeername program needs them intercepted from the first process on);
  // binds and connects always are.
  std::uint32_t extra_calls = 0;
};

struct CgroupCounters {
  std::uint64_t calls = 0;      // intercepted calls handled
  std::uint64_t refused = 0;    // failed by the programs
  std::uint64_t rewritten = 0;  // carried out with an address a program changed
  std::uint64_t faults = 0;     // program runs that stopped with an error (and refused)
};

class Cgroup {
 public:
  static Result<std::unique_ptr<Cgroup>> create(CgroupOptions options = {});
  ~Cgroup();
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;

  // bpf_prog_attach(program, cgroup, type, flags), as Linux's cgroup attach: the program must
  // be a cgroup_sock_addr program expecting `type`, which must be a hook of all_hooks()
  // (EINVAL); flags 0 (the only program, replacing the one there), kAllowOverride (likewise)
  // or kAllowMulti (after those there, EEXIST when attached already; kReplace puts it in
  // `replace`'s place, ENOENT when that is not attached); flags other than the first
  // attachment's: EPERM; 64 programs at most: E2BIG. Errors carry the errno in linux_errno.
  // `engine`: the engine it runs on (default: the JIT where available, the checked
  // interpreter for an unverified program).
  Status attach(std::shared_ptr<const runtime::LoadedObject> owner,
                const runtime::LoadedProgram& program, progtype::AttachType type,
                std::uint32_t flags = kAllowMulti, const runtime::LoadedProgram* replace = nullptr,
                std::optional<vm::Engine> engine = std::nullopt);
  // bpf_prog_detach: ENOENT when `program` is not attached for `type`.
  Status detach(const runtime::LoadedProgram& program, progtype::AttachType type);
  // bpf_prog_query: the programs attached for `type`, in the order they run.
  [[nodiscard]] std::vector<const runtime::LoadedProgram*> query(progtype::AttachType type) const;

  // Starts a process in the cgroup (argv[0] searched in PATH).
  Result<std::uint32_t> spawn(const std::vector<std::string>& argv);
  // Waits for a process spawn() started; its exit code (128 + signal).
  Result<int> wait(std::uint32_t pid);
  // spawn(), then wait until the process and (own_process) all its descendants have exited.
  Result<int> run(const std::vector<std::string>& argv);

  [[nodiscard]] CgroupCounters counters() const;
  // The first program fault, if any (later ones are only counted).
  [[nodiscard]] std::optional<Error> first_fault() const;

 private:
  explicit Cgroup(CgroupOptions options);
  Result<platform::Supervisor*> supervisor();
  platform::CallReply handle(platform::SupervisedCall& call);
  platform::CallReply address_call(platform::SupervisedCall& call);
  platform::CallReply name_call(platform::SupervisedCall& call);
  // datagrams.cpp
  platform::CallReply send_call(platform::SupervisedCall& call);
  platform::CallReply receive_call(platform::SupervisedCall& call);
  int decide_send(platform::SupervisedCall& call, const platform::SocketKind& kind,
                  platform::Datagram& datagram);
  std::shared_ptr<const ProgramList> programs(const SockHook& hook) const;
  Verdict run_programs(const ProgramList& programs, platform::SupervisedCall& call,
                       const platform::SocketKind& kind, BpfSockAddr& context);
  void record_fault(Error error);

  CgroupOptions options_;
  ProgramRunner runner_;
  mutable std::mutex mutex_;
  // Per hook (all_hooks() order): the programs, replaced whole on every change so that a call
  // running them keeps its copy; and the flags of the first attachment.
  std::vector<std::shared_ptr<const ProgramList>> programs_;
  std::vector<std::uint32_t> flags_;
  std::unique_ptr<platform::Supervisor> supervisor_;
  std::uint32_t intercepted_ = 0;
  std::optional<Error> first_fault_;
  std::atomic<std::uint64_t> calls_{0}, refused_{0}, rewritten_{0}, faults_{0};
};

}  // namespace xbpf::hooks::sock
