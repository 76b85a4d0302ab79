// Running the programs attached to a hook for one call (internal to the socket hooks): every
// program in attach order on the call's context, as the kernel's bpf_prog_run_array_cg runs a
// cgroup's effective array.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "hooks/sock/sock_addr.h"
#include "runtime/hook_context.h"
#include "runtime/runtime.h"
#include "vm/vm.h"

namespace xbpf::hooks::sock {

struct AttachedProgram {
  std::shared_ptr<const runtime::LoadedObject> owner;  // keeps the program and its maps
  const runtime::LoadedProgram* program = nullptr;
  vm::Engine engine = vm::Engine::interpreter;
};
using ProgramList = std::vector<AttachedProgram>;

// Whether one of `programs` may read bpf_sock_addr.sk (so the call's socket must be looked
// at to fill the struct bpf_sock it points to): the verifier says which fields a program
// reads; an unverified program may read any.
bool reads_socket(const ProgramList& programs);

// What the programs decided: the call's result so far (0, or a negative errno: -EPERM when a
// program returned 0, or what bpf_set_retval set), the flags of bind hooks (bit 0 of r0 >> 1:
// no port privilege check), and the first run-time fault (a program that faults refuses).
struct Verdict {
  std::int32_t retval = 0;
  std::uint32_t flags = 0;
  std::optional<Error> fault;
};

class ProgramRunner {
 public:
  // `cpus`: the CPU numbers programs run as (one run per number at a time: per-CPU maps are
  // the program's own while it runs).
  explicit ProgramRunner(unsigned cpus);
  ~ProgramRunner();
  ProgramRunner(const ProgramRunner&) = delete;
  ProgramRunner& operator=(const ProgramRunner&) = delete;

  Verdict run(const ProgramList& programs, BpfSockAddr& context, BpfSock* sock,
              runtime::CurrentTask* task, runtime::ProgramSocket* socket);

 private:
  struct Cpu;
  Cpu& acquire(unsigned limit);
  std::vector<std::unique_ptr<Cpu>> cpus_;
};

}  // namespace xbpf::hooks::sock
