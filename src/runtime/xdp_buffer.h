// An XDP frame as Linux lays it out: headroom (256 bytes, for bpf_xdp_adjust_head and
// bpf_xdp_adjust_meta), optional metadata, the packet, then tailroom up to the end of the
// frame (for bpf_xdp_adjust_tail). The frame lives in low memory so that the 32-bit
// xdp_md.data / data_end / data_meta fields hold real pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "support/error.h"

namespace xbpf::runtime {

// struct xdp_md (uapi).
struct XdpMd {
  std::uint32_t data;
  std::uint32_t data_end;
  std::uint32_t data_meta;
  std::uint32_t ingress_ifindex;
  std::uint32_t rx_queue_index;
  std::uint32_t egress_ifindex;
};
static_assert(sizeof(XdpMd) == 24);

inline constexpr std::size_t kXdpHeadroom = 256;     // XDP_PACKET_HEADROOM
inline constexpr std::size_t kXdpFrameSize = 4096;   // a page
inline constexpr std::size_t kXdpTailReserve = 320;  // sizeof(struct skb_shared_info), x86-64
inline constexpr std::size_t kXdpMaxLinear = kXdpFrameSize - kXdpHeadroom - kXdpTailReserve;
inline constexpr std::size_t kXdpMaxFrags = 17;  // MAX_SKB_FRAGS

class XdpBuffer {
 public:
  XdpBuffer() = default;
  ~XdpBuffer();
  XdpBuffer(const XdpBuffer&) = delete;
  XdpBuffer& operator=(const XdpBuffer&) = delete;

  // Makes room for a packet of up to `max_packet` bytes (at least a page-sized frame).
  Status reserve(std::size_t max_packet);
  // Places a packet (and `meta` bytes of metadata before it) at the standard headroom: its
  // first `linear` bytes (at most kXdpMaxLinear) in the frame, the rest in fragments of a
  // page each, as Linux's BPF_PROG_TEST_RUN builds multi-buffer frames. More than
  // kXdpMaxFrags fragments is ENOMEM.
  Status reset(std::span<const std::uint8_t> packet, std::size_t meta = 0,
               std::size_t linear = kXdpMaxLinear);
  // Runs a packet in place instead (zero-copy): `frame` is someone else's frame of
  // `frame_size` bytes (at least kXdpFrameSize, so that the tailroom is the same as with a
  // frame of our own) whose packet, `length` bytes (at most kXdpMaxLinear), already sits at
  // the standard headroom. The program's changes land in that frame. The next reset() goes
  // back to the buffer's own frame.
  void attach(std::uint8_t* frame, std::size_t frame_size, std::size_t length) {
    frame_ = frame;
    frame_size_ = frame_size;
    data_meta_ = data_ = frame + kXdpHeadroom;
    data_end_ = data_ + length;
    if (!frags_.empty()) frags_.clear();
  }

  [[nodiscard]] std::uint8_t* data() const { return data_; }
  [[nodiscard]] std::uint8_t* data_end() const { return data_end_; }
  [[nodiscard]] std::uint8_t* data_meta() const { return data_meta_; }
  [[nodiscard]] std::size_t length() const { return static_cast<std::size_t>(data_end_ - data_); }
  [[nodiscard]] std::size_t meta_length() const {
    return static_cast<std::size_t>(data_ - data_meta_);
  }
  [[nodiscard]] std::span<std::uint8_t> packet() const { return {data_, length()}; }
  [[nodiscard]] std::span<std::uint8_t> frame() const { return {frame_, frame_size_}; }

  // Multi-buffer frames: the bytes past data_end live in fragments, which programs reach only
  // through helpers. buff_length() is bpf_xdp_get_buff_len: the linear part and fragments.
  [[nodiscard]] std::size_t frags_length() const;
  [[nodiscard]] std::size_t buff_length() const { return length() + frags_length(); }
  // Bytes [offset, offset + size) of the linear part followed by the fragments (the caller
  // checks the bounds): bpf_xdp_load_bytes, bpf_xdp_store_bytes, bpf_xdp_copy.
  void load(std::size_t offset, void* to, std::size_t size) const;
  void store(std::size_t offset, const void* from, std::size_t size);
  // What BPF_PROG_TEST_RUN returns in data_out: data_meta to data_end, then the fragments.
  [[nodiscard]] std::vector<std::uint8_t> contents() const;

  // The bpf_xdp_adjust_* helpers: 0 or -EINVAL, as Linux. With fragments, adjust_tail grows
  // the last one (up to a page) and shrinks from the last one back, releasing emptied ones.
  long adjust_head(std::int64_t delta);
  long adjust_meta(std::int64_t delta);
  long adjust_tail(std::int64_t delta);

  // Writes data, data_end and data_meta into `md` (the other fields are the caller's).
  void publish(XdpMd& md) const {
    md.data = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(data_));
    md.data_end = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(data_end_));
    md.data_meta = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(data_meta_));
  }

 private:
  std::uint8_t* owned_ = nullptr;  // the buffer's own frame (allocate_low)
  std::size_t owned_size_ = 0;
  std::uint8_t* frame_ = nullptr;  // the frame in use: owned_, or an attached one
  std::size_t frame_size_ = 0;
  std::uint8_t* data_meta_ = nullptr;
  std::uint8_t* data_ = nullptr;
  std::uint8_t* data_end_ = nullptr;
  std::vector<std::vector<std::uint8_t>> frags_;
};

}  // namespace xbpf::runtime
