#include "runtime/skb.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "platform/platform.h"
#include "support/linux_abi.h"

namespace xbpf::runtime {
namespace {

constexpr std::size_t kEthHeader = 14;
constexpr std::size_t kHeadroom = 64 + 2;                  // NET_SKB_PAD + NET_IP_ALIGN
constexpr std::size_t kMaxFrame = 4096 - kHeadroom - 320;  // a page less skb_shared_info
constexpr std::uint32_t kLoopbackIfindex = 1;
constexpr std::uint16_t kEthIp = 0x0800, kEthIpv6 = 0x86dd;
constexpr std::uint32_t kAfInet = 2, kAfInet6 = 10;

Error invalid(std::string message) {
  Error error = make_error(std::move(message));
  error.linux_errno = linux_abi::kEINVAL;
  return error;
}

bool zero(std::span<const std::uint8_t> bytes, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to && i < bytes.size(); ++i) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

}  // namespace

SkBuff::~SkBuff() { platform::free_low(buffer_, buffer_size_); }

Status SkBuff::reset(std::span<const std::uint8_t> frame, bool l2) {
  if (frame.size() < kEthHeader)
    return invalid("data_in must hold at least an Ethernet header (14 bytes)");
  // bpf_test_init: the frame fits a page with the skb's headroom and skb_shared_info.
  if (frame.size() > kMaxFrame) {
    return invalid("data_in has " + std::to_string(frame.size()) +
                   " bytes; sk_buff test runs take at most " + std::to_string(kMaxFrame));
  }
  const std::size_t needed = kHeadroom + frame.size() + 512;
  if (buffer_ == nullptr || buffer_size_ < needed) {
    platform::free_low(buffer_, buffer_size_);
    buffer_size_ = (needed + 4095) & ~std::size_t{4095};
    buffer_ = static_cast<std::uint8_t*>(platform::allocate_low(buffer_size_));
    if (buffer_ == nullptr) return make_error("cannot allocate packet memory below 4 GiB");
  }
  frame_ = buffer_ + kHeadroom;
  frame_length_ = frame.size();
  std::memcpy(frame_, frame.data(), frame.size());
  data_ = l2 ? frame_ : frame_ + kEthHeader;
  length_ = l2 ? frame_length_ : frame_length_ - kEthHeader;
  context_ = {};
  context_.ifindex = kLoopbackIfindex;
  return {};
}

Status SkBuff::apply_ctx_in(std::span<const std::uint8_t> ctx_in) {
  if (ctx_in.size() > sizeof(SkBuffContext))
    return invalid("ctx_in is larger than struct __sk_buff");
  // As bpf_prog_test_run_skb: the device must exist, and the only one here is lo.
  std::uint32_t ifindex = 0;
  if (ctx_in.size() >= offsetof(SkBuffContext, ifindex) + 4) {
    std::memcpy(&ifindex, ctx_in.data() + offsetof(SkBuffContext, ifindex), 4);
  }
  if (ifindex > kLoopbackIfindex) {
    Error error = make_error("ctx_in: no device with ifindex " + std::to_string(ifindex) +
                             " (test runs have only lo, ifindex 1)");
    error.linux_errno = linux_abi::kENODEV;
    return error;
  }
  // As convert___skb_to_skb: only these fields may be set.
  const auto end = [](std::size_t offset, std::size_t size) { return offset + size; };
  if (!zero(ctx_in, 0, offsetof(SkBuffContext, mark)) ||
      !zero(ctx_in, end(offsetof(SkBuffContext, mark), 4), offsetof(SkBuffContext, priority)) ||
      !zero(ctx_in, end(offsetof(SkBuffContext, ifindex), 4), offsetof(SkBuffContext, cb)) ||
      !zero(ctx_in, end(offsetof(SkBuffContext, cb), 20), offsetof(SkBuffContext, tstamp)) ||
      !zero(ctx_in, end(offsetof(SkBuffContext, gso_segs), 4), offsetof(SkBuffContext, gso_size)) ||
      !zero(ctx_in, end(offsetof(SkBuffContext, gso_size), 4), offsetof(SkBuffContext, hwtstamp))) {
    return invalid(
        "ctx_in may only set mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, "
        "gso_segs, "
        "gso_size and hwtstamp of struct __sk_buff");
  }
  SkBuffContext in{};
  std::memcpy(&in, ctx_in.data(), ctx_in.size());
  if (in.wire_len != 0 && (in.wire_len < length_ || in.wire_len > 65536)) {
    return invalid("ctx_in: wire_len must be at least the packet's length and at most 65536");
  }
  if (in.gso_segs > 65535) return invalid("ctx_in: gso_segs is above GSO_MAX_SEGS");
  context_.mark = in.mark;
  context_.priority = in.priority;
  context_.ingress_ifindex = in.ingress_ifindex;
  std::memcpy(context_.cb, in.cb, sizeof in.cb);
  context_.tstamp = in.tstamp;
  context_.wire_len = in.wire_len;
  context_.gso_segs = in.gso_segs;
  context_.gso_size = in.gso_size;
  context_.hwtstamp = in.hwtstamp;
  return {};
}

void SkBuff::publish(bool direct_access) {
  context_.len = static_cast<std::uint32_t>(length_);
  if (context_.wire_len == 0) context_.wire_len = static_cast<std::uint32_t>(length_);
  const std::uint16_t protocol = static_cast<std::uint16_t>((frame_[12] << 8) | frame_[13]);
  context_.protocol = static_cast<std::uint32_t>(__builtin_bswap16(protocol));  // network order
  // eth_type_trans: broadcast, multicast, another host's address (lo's is all zeroes), or ours.
  const bool all_zero = std::all_of(frame_, frame_ + 6, [](std::uint8_t b) { return b == 0; });
  const bool broadcast = std::all_of(frame_, frame_ + 6, [](std::uint8_t b) { return b == 0xff; });
  context_.pkt_type = (frame_[0] & 1) != 0 ? (broadcast ? 1 : 2) : (all_zero ? 0 : 3);
  const std::uint8_t* network = frame_ + kEthHeader;
  const std::size_t network_length = frame_length_ - kEthHeader;
  if (protocol == kEthIp) {
    context_.family = kAfInet;
    if (network_length >= 20) {
      std::memcpy(&context_.local_ip4, network + 12, 4);
      std::memcpy(&context_.remote_ip4, network + 16, 4);
    }
  } else if (protocol == kEthIpv6) {
    context_.family = kAfInet6;
    if (network_length >= 40) {
      std::memcpy(context_.local_ip6, network + 8, 16);
      std::memcpy(context_.remote_ip6, network + 24, 16);
    }
  }
  if (direct_access) {
    context_.data = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(data_));
    context_.data_end =
        static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(data_ + length_));
    context_.data_meta = context_.data;
  }
}

std::vector<std::uint8_t> SkBuff::data_out(bool l2) const {
  std::vector<std::uint8_t> out(frame_, frame_ + frame_length_);
  if (!l2) std::memset(out.data(), 0, kEthHeader);
  return out;
}

std::vector<std::uint8_t> SkBuff::ctx_out() const {
  SkBuffContext out{};
  out.mark = context_.mark;
  out.priority = context_.priority;
  out.ingress_ifindex = context_.ingress_ifindex;
  out.ifindex = context_.ifindex;
  out.tstamp = context_.tstamp;
  std::memcpy(out.cb, context_.cb, sizeof out.cb);
  out.wire_len = context_.wire_len;
  out.gso_segs = context_.gso_segs;
  out.gso_size = context_.gso_size;
  out.hwtstamp = context_.hwtstamp;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&out);
  return {bytes, bytes + sizeof out};
}

}  // namespace xbpf::runtime
