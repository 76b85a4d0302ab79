// What a program's helpers see of the run (vm::RunState::user points at it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "runtime/hook_context.h"
#include "runtime/xdp_buffer.h"
#include "vm/vm.h"

namespace xbpf::runtime {

class Runtime;
struct LoadedProgram;

struct RunContext {
  Runtime* runtime = nullptr;
  const LoadedProgram* program = nullptr;
  void* context = nullptr;   // the program's context struct
  XdpBuffer* xdp = nullptr;  // XDP programs: the frame behind `context`
  XdpMd* xdp_md = nullptr;
  // sk_buff programs: the bytes from skb->data (bpf_skb_event_output appends from there).
  std::span<const std::uint8_t> packet;
  // The RunState region that covers the packet [data_meta, data_end), kept in step with
  // bpf_xdp_adjust_* so that the checked mode allows exactly the live packet.
  std::size_t packet_region = 0;
  // bpf_redirect / bpf_redirect_map: where an XDP_REDIRECT goes.
  std::optional<std::uint32_t> redirect_ifindex;
  std::uint64_t redirect_flags = 0;
  // When set, the time bpf_ktime_get_*ns return (a capture replayed at its own pace: the
  // packet's timestamp); otherwise the system's clocks.
  std::optional<std::uint64_t> clock_ns;
  // Hooks that run programs for another process's call (hook_context.h): the calling task,
  // the call's socket, the cgroup programs' shared return value.
  CurrentTask* task = nullptr;
  ProgramSocket* socket = nullptr;
  CgroupRetval* retval = nullptr;
};

inline RunContext& run_context(vm::RunState& state) {
  return *static_cast<RunContext*>(state.user);
}

// The packet region of an XDP frame: [data_meta, data_end).
inline vm::Region xdp_packet_region(const XdpBuffer& frame) {
  return {reinterpret_cast<std::uint64_t>(frame.data_meta()),
          static_cast<std::uint64_t>(frame.data_end() - frame.data_meta()), true, "the packet"};
}

}  // namespace xbpf::runtime
