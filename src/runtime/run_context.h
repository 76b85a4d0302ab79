// What a program's helpers see of the run (vm::RunState::user points at it).
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/xdp_buffer.h"
#include "vm/vm.h"

namespace xbpf::runtime {

class Runtime;
struct LoadedProgram;

struct RunContext {
  Runtime* runtime = nullptr;
  const LoadedProgram* program = nullptr;
  void* context = nullptr;        // the program's context struct
  XdpBuffer* xdp = nullptr;       // XDP programs: the frame behind `context`
  XdpMd* xdp_md = nullptr;
  // bpf_redirect / bpf_redirect_map: where an XDP_REDIRECT goes.
  std::optional<std::uint32_t> redirect_ifindex;
  std::uint64_t redirect_flags = 0;
};

inline RunContext& run_context(vm::RunState& state) { return *static_cast<RunContext*>(state.user); }

}  // namespace xbpf::runtime
