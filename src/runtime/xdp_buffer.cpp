#include "runtime/xdp_buffer.h"

#include <cstring>

#include "platform/platform.h"
#include "support/linux_abi.h"

namespace xbpf::runtime {

namespace {
constexpr std::size_t kEthHeader = 14;       // ETH_HLEN: the smallest packet adjust_* may leave
constexpr std::size_t kXdpFrameHeader = 40;  // sizeof(struct xdp_frame), kept at the frame start
}  // namespace

XdpBuffer::~XdpBuffer() { platform::free_low(frame_, frame_size_); }

Status XdpBuffer::reserve(std::size_t max_packet) {
  const std::size_t needed = std::max(kXdpFrameSize, kXdpHeadroom + max_packet + kXdpTailReserve);
  if (frame_ != nullptr && frame_size_ >= needed) return {};
  platform::free_low(frame_, frame_size_);
  frame_size_ = (needed + 4095) & ~std::size_t{4095};
  frame_ = static_cast<std::uint8_t*>(platform::allocate_low(frame_size_));
  if (frame_ == nullptr) {
    frame_size_ = 0;
    return make_error("cannot allocate a " + std::to_string(needed) +
                      "-byte packet frame below 4 GiB (xdp_md holds 32-bit pointers)");
  }
  data_meta_ = data_ = data_end_ = frame_ + kXdpHeadroom;
  return {};
}

Status XdpBuffer::reset(std::span<const std::uint8_t> packet, std::size_t meta) {
  if (meta > kXdpHeadroom)
    return make_error("metadata of " + std::to_string(meta) + " bytes exceeds the headroom");
  XBPF_TRY(reserve(packet.size()));
  data_ = frame_ + kXdpHeadroom;
  data_meta_ = data_ - meta;
  data_end_ = data_ + packet.size();
  if (!packet.empty()) std::memcpy(data_, packet.data(), packet.size());
  return {};
}

// The three adjustments follow net/core/filter.c: the bounds, the errno values, moving the
// metadata with the data, zeroing a grown tail.
long XdpBuffer::adjust_head(std::int64_t delta) {
  std::uint8_t* data = data_ + delta;
  const std::size_t meta = meta_length();
  if (data < frame_ + kXdpFrameHeader + meta || data > data_end_ - kEthHeader)
    return -linux_abi::kEINVAL;
  if (meta != 0) std::memmove(data - meta, data_meta_, meta);
  data_meta_ = data - meta;
  data_ = data;
  return 0;
}

long XdpBuffer::adjust_meta(std::int64_t delta) {
  std::uint8_t* meta = data_meta_ + delta;
  if (meta < frame_ + kXdpFrameHeader || meta > data_) return -linux_abi::kEINVAL;
  const std::ptrdiff_t length = data_ - meta;
  if (length % 4 != 0 || length > 255) return -linux_abi::kEACCES;  // xdp_metalen_invalid
  data_meta_ = meta;
  return 0;
}

long XdpBuffer::adjust_tail(std::int64_t delta) {
  std::uint8_t* end = data_end_ + delta;
  std::uint8_t* const limit = frame_ + frame_size_ - kXdpTailReserve;
  if (end > limit || end < data_ + kEthHeader) return -linux_abi::kEINVAL;
  if (delta > 0) std::memset(data_end_, 0, static_cast<std::size_t>(delta));
  data_end_ = end;
  return 0;
}

void XdpBuffer::publish(XdpMd& md) const {
  md.data = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(data_));
  md.data_end = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(data_end_));
  md.data_meta = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(data_meta_));
}

}  // namespace xbpf::runtime
