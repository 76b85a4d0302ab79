#include "hooks/xdp/frame_ring.h"

#include <algorithm>
#include <cstring>

#include "platform/platform.h"

namespace xbpf::hooks::xdp {

FrameRing::~FrameRing() { platform::free_low_huge(memory_, capacity_ * kStride); }

void FrameRing::clear() {
  packets_.clear();
  jumbo_.clear();
}

Status FrameRing::reserve(std::size_t count) {
  if (count > capacity_) XBPF_TRY(grow(count));
  packets_.reserve(count);
  return {};
}

Status FrameRing::grow(std::size_t count) {
  const std::size_t capacity = std::max({count, capacity_ * 2, std::size_t{64}});
  auto* memory = static_cast<std::uint8_t*>(platform::allocate_low_huge(capacity * kStride));
  if (memory == nullptr) {
    return make_error("cannot allocate " + std::to_string(capacity) +
                      " packet frames below 4 GiB (xdp_md holds 32-bit pointers)");
  }
  for (std::size_t i = 0; i < packets_.size(); ++i) {
    std::span<const std::uint8_t>& data = packets_[i].data;
    if (data.size() > runtime::kXdpMaxLinear) continue;  // aside, not in a frame
    std::uint8_t* to = memory + i * kStride + runtime::kXdpHeadroom;
    if (!data.empty()) std::memcpy(to, data.data(), data.size());
    data = {to, data.size()};
  }
  platform::free_low_huge(memory_, capacity_ * kStride);
  memory_ = memory;
  capacity_ = capacity;
  return {};
}

Status FrameRing::add(const ReplayPacket& packet) {
  const std::size_t index = packets_.size();
  ReplayPacket placed = packet;
  if (packet.data.size() > runtime::kXdpMaxLinear) {
    jumbo_.emplace_back(packet.data.begin(), packet.data.end());
    placed.data = jumbo_.back();
  } else {
    if (index >= capacity_) XBPF_TRY(grow(index + 1));
    std::uint8_t* to = memory_ + index * kStride + runtime::kXdpHeadroom;
    if (!packet.data.empty()) std::memcpy(to, packet.data.data(), packet.data.size());
    placed.data = {to, packet.data.size()};
  }
  packets_.push_back(placed);
  return {};
}

Status FrameRing::assign(std::span<const ReplayPacket> packets) {
  clear();
  XBPF_TRY(reserve(packets.size()));
  for (const ReplayPacket& packet : packets) XBPF_TRY(add(packet));
  return {};
}

}  // namespace xbpf::hooks::xdp
