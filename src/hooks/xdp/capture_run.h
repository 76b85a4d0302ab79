// xbpf xdp run: a capture through an XDP program. Packets are read in batches straight into
// XDP frames (a FrameRing, as a NIC's DMA fills its ring), run in place (on one or more
// workers), and the XDP_PASS and XDP_TX ones written, as the program left them and in the
// capture's order, with their verdict as a pcapng comment.
#pragma once

#include <cstdint>
#include <functional>

#include "hooks/xdp/capture.h"
#include "hooks/xdp/xdp_replay.h"

namespace xbpf::hooks::xdp {

struct CaptureRunOptions {
  ReplayOptions replay;
  std::size_t batch = 4096;  // packets read ahead and shared among the workers
  // Called after each batch with the records read so far and the file offset reached.
  std::function<void(std::uint64_t records, std::uint64_t offset)> progress;
};

struct CaptureRunSummary {
  VerdictCounts counts;
  std::uint64_t written = 0;     // packets written to the output
  std::uint64_t elapsed_ns = 0;  // the whole run: reading, running, writing
  std::uint64_t busy_ns = 0;     // workers' time on packets (see XdpReplay::busy_ns)
  unsigned threads = 1;
};

// The packet's ingress_ifindex: interface i of the capture (pcap: the only one, 0) is
// ifindex i + 1.
inline std::uint32_t ifindex_of_interface(std::uint32_t interface) { return interface + 1; }

// Runs every packet of `reader` through `program`; `writer` (optional) receives the XDP_PASS
// and XDP_TX packets. A malformed capture stops the run after the packets before the bad
// record have been run and written; the error names the record and its byte offset.
Result<CaptureRunSummary> run_capture(const runtime::LoadedProgram& program, CaptureReader& reader,
                                      CaptureWriter* writer, const CaptureRunOptions& options);

}  // namespace xbpf::hooks::xdp
