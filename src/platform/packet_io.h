// Frames on real interfaces, for the live XDP datapath (`xbpf net attach xdp`): link-layer
// sockets receiving through a memory-mapped ring, TAP devices, stop signals. Linux only
// (AF_PACKET, /dev/net/tun); on Windows every open fails with a message saying so.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "support/error.h"

namespace xbpf::platform {

// An AF_PACKET socket bound to one interface. With `receive`, frames arriving on the
// interface (not those it sends) land in a memory-mapped ring (TPACKET_V2).
class PacketPort {
 public:
  static Result<std::unique_ptr<PacketPort>> open(const std::string& interface, bool receive);
  ~PacketPort();
  PacketPort(const PacketPort&) = delete;
  PacketPort& operator=(const PacketPort&) = delete;

  [[nodiscard]] std::uint32_t ifindex() const { return ifindex_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  // Waits up to `timeout_ms` for frames, then hands each frame in the ring to `visit` (the
  // bytes are valid during the call) and returns the ring slots. Returns the frames seen.
  Result<std::size_t> receive(int timeout_ms,
                              const std::function<void(std::span<const std::uint8_t>)>& visit);
  // Sends one frame out of the interface.
  Status send(std::span<const std::uint8_t> frame);
  // Sends frames out of the interface, many per system call (sendmmsg); returns how many
  // were sent before an error, if any.
  Result<std::size_t> send_all(std::span<const std::span<const std::uint8_t>> frames);

 private:
  PacketPort() = default;
  int fd_ = -1;
  std::uint32_t ifindex_ = 0;
  std::string name_;
  std::uint8_t* ring_ = nullptr;
  std::size_t ring_size_ = 0;
  std::size_t frame_size_ = 0;
  std::size_t frames_ = 0;
  std::size_t next_ = 0;
};

// A TAP device (created if missing): frames written to it enter the host's stack as if
// received on it.
class TapDevice {
 public:
  static Result<std::unique_ptr<TapDevice>> open(const std::string& name);
  ~TapDevice();
  TapDevice(const TapDevice&) = delete;
  TapDevice& operator=(const TapDevice&) = delete;
  Status write(std::span<const std::uint8_t> frame);
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  TapDevice() = default;
  int fd_ = -1;
  std::string name_;
};

// The interface with this index, or nothing.
std::optional<std::string> interface_name(std::uint32_t ifindex);

// SIGINT and SIGTERM set a flag instead of ending the process.
void catch_stop_signals();
bool stop_requested();

}  // namespace xbpf::platform
