// Running an XDP program over packets as a NIC's receive path would: each packet in its own
// frame with Linux's layout (runtime::XdpBuffer: 256 bytes of headroom, data_meta, tailroom,
// fragments past 3520 bytes), a fresh xdp_md with the packet's ingress_ifindex and
// rx_queue_index 0, and the verdict counted (XDP_REDIRECT per target ifindex). Several
// workers may share the work: each has its own frame, stack and CPU number (per-CPU maps),
// and packets go to workers by their source address, as a NIC's receive-side scaling keeps
// a source on one queue, so that per-source state sees each source's packets in order and a
// run on N workers gives the single-threaded results.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/runtime.h"
#include "support/error.h"
#include "vm/vm.h"

namespace xbpf::hooks::xdp {

class FrameRing;

inline constexpr std::uint32_t kXdpAborted = 0, kXdpDrop = 1, kXdpPass = 2, kXdpTx = 3,
                               kXdpRedirect = 4;
inline constexpr std::size_t kEthernetHeader = 14;

// "XDP_PASS", ..., or "unknown (7)".
std::string verdict_name(std::uint32_t retval);

struct ReplayPacket {
  std::span<const std::uint8_t> data;
  std::uint32_t ifindex = 1;  // xdp_md.ingress_ifindex
  std::uint64_t timestamp_ns = 0;
  std::uint64_t record = 0;  // for messages: the capture's record number
};

struct PacketResult {
  bool ran = false;  // false: shorter than an Ethernet header, not run
  std::uint32_t retval = 0;
  std::optional<std::uint32_t> redirect_ifindex;
  // XDP_PASS, XDP_TX and XDP_REDIRECT, when ReplayOptions::keep_output: the packet as the
  // program left it (data to data_end, then any fragments; the metadata is not part of it).
  std::vector<std::uint8_t> output;
};

struct VerdictCounts {
  std::uint64_t packets = 0;  // run through the program
  std::uint64_t bytes = 0;    // their captured bytes
  std::uint64_t skipped = 0;  // shorter than an Ethernet header: no NIC delivers those
  std::uint64_t aborted = 0, drop = 0, pass = 0, tx = 0, redirect = 0, unknown = 0;
  // XDP_REDIRECT by target ifindex (0: the program returned XDP_REDIRECT without a target,
  // which the kernel drops).
  std::map<std::uint32_t, std::uint64_t> redirect_targets;

  // Once per packet: inline, the map of redirect targets out of line.
  void count(const PacketResult& result, std::size_t size) {
    if (!result.ran) {
      ++skipped;
      return;
    }
    ++packets;
    bytes += size;
    switch (result.retval) {
      case kXdpAborted: ++aborted; break;
      case kXdpDrop: ++drop; break;
      case kXdpPass: ++pass; break;
      case kXdpTx: ++tx; break;
      case kXdpRedirect: count_redirect(result); break;
      default: ++unknown; break;
    }
  }
  void count_redirect(const PacketResult& result);
  void add(const VerdictCounts& other);
  bool operator==(const VerdictCounts&) const = default;
};

struct ReplayOptions {
  vm::Engine engine = vm::Engine::checked;
  unsigned threads = 1;  // the runtime needs at least this many possible CPUs
  // bpf_ktime_get_ns returns the packet's timestamp (the capture's own pace) rather than
  // the system clock.
  bool capture_clock = true;
  bool keep_output = false;
};

// The source-address hash that assigns packets to workers (IPv4 or IPv6 source behind up to
// two VLAN tags, else the source MAC).
std::uint32_t source_hash(std::span<const std::uint8_t> frame);

class XdpReplay {
 public:
  static Result<std::unique_ptr<XdpReplay>> create(const runtime::LoadedProgram& program,
                                                   const ReplayOptions& options);
  ~XdpReplay();
  XdpReplay(const XdpReplay&) = delete;
  XdpReplay& operator=(const XdpReplay&) = delete;

  // Runs every packet; results[i] is packets[i]'s. A program fault (checked mode) or a
  // packet too large for a frame stops the run with an error naming the record. Each packet
  // is copied into its worker's frame first.
  Status run(std::span<const ReplayPacket> packets, std::vector<PacketResult>& results);
  // The same for packets already laid out in frames: each runs in place, without a copy,
  // and keeps the program's changes (see FrameRing).
  Status run(FrameRing& ring, std::vector<PacketResult>& results);

  [[nodiscard]] const VerdictCounts& counts() const { return counts_; }
  // Time the workers spent on packets (frame set-up and program), summed over workers.
  [[nodiscard]] std::uint64_t busy_ns() const { return busy_ns_; }
  [[nodiscard]] unsigned threads() const { return options_.threads; }

 private:
  struct Worker;
  XdpReplay() = default;
  // Frames: places packet i in the worker's frame (a copy, or in place for a FrameRing).
  template <class Frames>
  Status run_all(const Frames& frames, std::span<const ReplayPacket> packets,
                 std::vector<PacketResult>& results);
  template <class Frames>
  void work(Worker& worker, const Frames& frames, std::span<const ReplayPacket> packets,
            std::vector<PacketResult>& results, const std::vector<std::uint8_t>* assignment,
            unsigned index);

  const runtime::LoadedProgram* program_ = nullptr;
  ReplayOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::uint8_t> assignment_;
  VerdictCounts counts_;
  std::uint64_t busy_ns_ = 0;
};

}  // namespace xbpf::hooks::xdp
