// Packets laid out once into XDP frames, as a NIC's DMA fills its receive ring, so that a
// replay runs the program on each frame in place: no copy per packet, and of each packet
// only the cache lines the program touches are fetched (a firewall reads the headers).
//
// Each frame is a page (runtime::kXdpFrameSize) with the packet at the standard headroom,
// exactly the frame runtime::XdpBuffer builds by copying: the same headroom for
// bpf_xdp_adjust_head and bpf_xdp_adjust_meta, the same tailroom for bpf_xdp_adjust_tail.
// Packets whose linear part would not fit (more than runtime::kXdpMaxLinear bytes: jumbo
// frames, which get fragments) keep their bytes aside and are copied into the worker's
// frame when they run, as before. Frames sit one cache line more than a page apart, so that
// the packets' first lines do not all fall into the same cache sets, in memory below 4 GiB
// (xdp_md holds 32-bit pointers) backed by huge pages where the system has them.
//
// The program's changes stay in the frames: after a run, data() is the packet as the
// program left its bytes (load the packets again to run the originals once more).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "hooks/xdp/xdp_replay.h"
#include "runtime/xdp_buffer.h"
#include "support/error.h"

namespace xbpf::hooks::xdp {

class FrameRing {
 public:
  // Frames are this far apart: a page and a cache line.
  static constexpr std::size_t kStride = runtime::kXdpFrameSize + 64;

  FrameRing() = default;
  ~FrameRing();
  FrameRing(const FrameRing&) = delete;
  FrameRing& operator=(const FrameRing&) = delete;

  // Empties the ring; its memory stays for the next packets.
  void clear();
  // Makes room for `count` packets in all (fewer allocations when known in advance).
  Status reserve(std::size_t count);
  // Appends a packet: its bytes into the next frame (or aside, for a jumbo frame). `data`
  // of `packet` is copied; the ring does not keep the span.
  Status add(const ReplayPacket& packet);
  // clear(), then add() of each packet.
  Status assign(std::span<const ReplayPacket> packets);

  [[nodiscard]] std::size_t size() const { return packets_.size(); }
  [[nodiscard]] bool empty() const { return packets_.empty(); }
  // Packet i: ifindex, timestamp, record, and data: its bytes in the ring (in its frame, or
  // aside for a jumbo frame).
  [[nodiscard]] const ReplayPacket& packet(std::size_t i) const { return packets_[i]; }
  [[nodiscard]] std::span<const ReplayPacket> packets() const { return packets_; }
  // Packet i's frame (kXdpFrameSize bytes, the packet at kXdpHeadroom), or nullptr for a
  // jumbo frame, which runs through a copy.
  [[nodiscard]] std::uint8_t* frame(std::size_t i) const {
    return packets_[i].data.size() <= runtime::kXdpMaxLinear ? memory_ + i * kStride : nullptr;
  }

 private:
  Status grow(std::size_t count);

  std::uint8_t* memory_ = nullptr;  // capacity_ frames, kStride apart
  std::size_t capacity_ = 0;
  std::vector<ReplayPacket> packets_;
  std::vector<std::vector<std::uint8_t>> jumbo_;  // the bytes of the jumbo frames
};

}  // namespace xbpf::hooks::xdp
