// The live XDP datapath (`xbpf net attach xdp`): every frame received on an interface (an
// AF_PACKET socket with a memory-mapped ring, platform/packet_io.h) runs through an XDP
// program, and the verdict is carried out: XDP_PASS delivers the frame, as the program left
// it, to a TAP device or forwards it out of a peer interface (without either, the host's
// stack already has the original, as AF_PACKET only copies); XDP_TX sends it back out of the
// interface; XDP_REDIRECT sends it out of the target interface; XDP_DROP and XDP_ABORTED drop
// it. Runs until SIGINT or SIGTERM.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "hooks/xdp/xdp_replay.h"

namespace xbpf::hooks::xdp {

struct LiveCounters {
  VerdictCounts counts;           // as for captures (packets = frames run)
  std::uint64_t delivered = 0;    // XDP_PASS frames written to the TAP device or forwarded
  std::uint64_t transmitted = 0;  // XDP_TX frames sent back
  std::uint64_t redirected = 0;   // XDP_REDIRECT frames sent out of their target
  std::uint64_t send_errors = 0;  // frames that could not be sent (no such target, ...)
};

struct LiveOptions {
  std::string interface;
  std::optional<std::string> tap;      // --deliver tap NAME
  std::optional<std::string> forward;  // --forward IFACE2
  vm::Engine engine = vm::Engine::checked;
  std::uint64_t report_interval_ns = 1'000'000'000;
  // Called every report_interval_ns, and once more (final = true) at the end.
  std::function<void(const LiveCounters& counters, bool final)> report;
};

// Runs until a stop signal; an error when an interface cannot be opened or the program
// faults.
Status run_live(const runtime::LoadedProgram& program, const LiveOptions& options);

}  // namespace xbpf::hooks::xdp
