#include "runtime/xdp_buffer.h"

#include <algorithm>
#include <cstring>

#include "platform/platform.h"
#include "support/linux_abi.h"

namespace xbpf::runtime {

namespace {
constexpr std::size_t kEthHeader = 14;       // ETH_HLEN: the smallest packet adjust_* may leave
constexpr std::size_t kXdpFrameHeader = 40;  // sizeof(struct xdp_frame), kept at the frame start
}  // namespace

XdpBuffer::~XdpBuffer() { platform::free_low(owned_, owned_size_); }

Status XdpBuffer::reserve(std::size_t max_packet) {
  const std::size_t needed = std::max(kXdpFrameSize, kXdpHeadroom + max_packet + kXdpTailReserve);
  if (owned_ == nullptr || owned_size_ < needed) {
    platform::free_low(owned_, owned_size_);
    owned_size_ = (needed + 4095) & ~std::size_t{4095};
    owned_ = static_cast<std::uint8_t*>(platform::allocate_low(owned_size_));
    if (owned_ == nullptr) {
      owned_size_ = 0;
      frame_ = nullptr;
      frame_size_ = 0;
      data_meta_ = data_ = data_end_ = nullptr;
      return make_error("cannot allocate a " + std::to_string(needed) +
                        "-byte packet frame below 4 GiB (xdp_md holds 32-bit pointers)");
    }
  } else if (frame_ == owned_) {
    return {};
  }
  frame_ = owned_;
  frame_size_ = owned_size_;
  data_meta_ = data_ = data_end_ = frame_ + kXdpHeadroom;
  frags_.clear();
  return {};
}

Status XdpBuffer::reset(std::span<const std::uint8_t> packet, std::size_t meta,
                        std::size_t linear) {
  // The common case, once per packet of a capture: a reserved frame, the whole packet in it.
  if (meta == 0 && owned_ != nullptr && packet.size() <= std::min(linear, kXdpMaxLinear)) {
    frame_ = owned_;
    frame_size_ = owned_size_;
    data_meta_ = data_ = frame_ + kXdpHeadroom;
    data_end_ = data_ + packet.size();
    // memmove: GCC expands a bounded memcpy into `rep movsq`, several times slower than the
    // C library's for packet sizes.
    if (!packet.empty()) std::memmove(data_, packet.data(), packet.size());
    if (!frags_.empty()) frags_.clear();
    return {};
  }
  if (meta > kXdpHeadroom)
    return make_error("metadata of " + std::to_string(meta) + " bytes exceeds the headroom");
  linear = std::min({linear, packet.size(), kXdpMaxLinear});
  const std::size_t rest = packet.size() - linear;
  if ((rest + kXdpFrameSize - 1) / kXdpFrameSize > kXdpMaxFrags) {
    Error error = make_error("the packet needs more than " + std::to_string(kXdpMaxFrags) +
                             " fragments of " + std::to_string(kXdpFrameSize) + " bytes");
    error.linux_errno = linux_abi::kENOMEM;
    return error;
  }
  XBPF_TRY(reserve(linear));
  data_ = frame_ + kXdpHeadroom;
  data_meta_ = data_ - meta;
  data_end_ = data_ + linear;
  if (linear != 0) std::memcpy(data_, packet.data(), linear);
  frags_.clear();
  for (std::size_t at = linear; at < packet.size(); at += kXdpFrameSize) {
    const auto from = packet.begin() + static_cast<std::ptrdiff_t>(at);
    frags_.emplace_back(
        from, from + static_cast<std::ptrdiff_t>(std::min(kXdpFrameSize, packet.size() - at)));
  }
  return {};
}

std::size_t XdpBuffer::frags_length() const {
  std::size_t total = 0;
  for (const auto& frag : frags_) total += frag.size();
  return total;
}

void XdpBuffer::load(std::size_t offset, void* to, std::size_t size) const {
  auto* out = static_cast<std::uint8_t*>(to);
  for (std::size_t i = 0; i < size; ++i) {
    std::size_t at = offset + i;
    if (at < length()) {
      out[i] = data_[at];
      continue;
    }
    at -= length();
    for (const auto& frag : frags_) {
      if (at < frag.size()) {
        out[i] = frag[at];
        break;
      }
      at -= frag.size();
    }
  }
}

void XdpBuffer::store(std::size_t offset, const void* from, std::size_t size) {
  const auto* in = static_cast<const std::uint8_t*>(from);
  for (std::size_t i = 0; i < size; ++i) {
    std::size_t at = offset + i;
    if (at < length()) {
      data_[at] = in[i];
      continue;
    }
    at -= length();
    for (auto& frag : frags_) {
      if (at < frag.size()) {
        frag[at] = in[i];
        break;
      }
      at -= frag.size();
    }
  }
}

std::vector<std::uint8_t> XdpBuffer::contents() const {
  std::vector<std::uint8_t> out(data_meta_, data_end_);
  for (const auto& frag : frags_) out.insert(out.end(), frag.begin(), frag.end());
  return out;
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
  if (!frags_.empty()) {  // bpf_xdp_frags_shrink_tail / bpf_xdp_frags_increase_tail
    if (delta < 0) {
      std::int64_t shrink = -delta;
      if (shrink > static_cast<std::int64_t>(buff_length()) - static_cast<std::int64_t>(kEthHeader))
        return -linux_abi::kEINVAL;
      while (!frags_.empty() && shrink > 0) {
        auto& last = frags_.back();
        const auto cut = std::min<std::int64_t>(shrink, static_cast<std::int64_t>(last.size()));
        shrink -= cut;
        if (cut == static_cast<std::int64_t>(last.size())) {
          frags_.pop_back();
        } else {
          last.resize(last.size() - static_cast<std::size_t>(cut));
        }
      }
      if (frags_.empty()) data_end_ -= shrink;  // the rest comes off the linear part
      return 0;
    }
    auto& last = frags_.back();
    if (static_cast<std::uint64_t>(delta) > kXdpFrameSize - last.size()) return -linux_abi::kEINVAL;
    last.resize(last.size() + static_cast<std::size_t>(delta), 0);
    return 0;
  }
  std::uint8_t* end = data_end_ + delta;
  std::uint8_t* const limit = frame_ + frame_size_ - kXdpTailReserve;
  if (end > limit || end < data_ + kEthHeader) return -linux_abi::kEINVAL;
  if (delta > 0) std::memset(data_end_, 0, static_cast<std::size_t>(delta));
  data_end_ = end;
  return 0;
}

}  // namespace xbpf::runtime
