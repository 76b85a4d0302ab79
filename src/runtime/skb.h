// An sk_buff as BPF_PROG_TEST_RUN builds one for sk_buff program types: the packet on a
// loopback device (ifindex 1), its protocol from the Ethernet header, and a __sk_buff
// context whose data / data_end are 32-bit pointers (the packet lives below 4 GiB).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "support/error.h"

namespace xbpf::runtime {

// struct __sk_buff (uapi), 192 bytes.
struct SkBuffContext {
  std::uint32_t len;
  std::uint32_t pkt_type;
  std::uint32_t mark;
  std::uint32_t queue_mapping;
  std::uint32_t protocol;
  std::uint32_t vlan_present;
  std::uint32_t vlan_tci;
  std::uint32_t vlan_proto;
  std::uint32_t priority;
  std::uint32_t ingress_ifindex;
  std::uint32_t ifindex;
  std::uint32_t tc_index;
  std::uint32_t cb[5];
  std::uint32_t hash;
  std::uint32_t tc_classid;
  std::uint32_t data;
  std::uint32_t data_end;
  std::uint32_t napi_id;
  std::uint32_t family;
  std::uint32_t remote_ip4;
  std::uint32_t local_ip4;
  std::uint32_t remote_ip6[4];
  std::uint32_t local_ip6[4];
  std::uint32_t remote_port;
  std::uint32_t local_port;
  std::uint32_t data_meta;
  std::uint64_t flow_keys;
  std::uint64_t tstamp;
  std::uint32_t wire_len;
  std::uint32_t gso_segs;
  std::uint64_t sk;
  std::uint32_t gso_size;
  std::uint8_t tstamp_type;
  std::uint8_t padding[3];
  std::uint64_t hwtstamp;
};
static_assert(sizeof(SkBuffContext) == 192);

class SkBuff {
 public:
  SkBuff() = default;
  ~SkBuff();
  SkBuff(const SkBuff&) = delete;
  SkBuff& operator=(const SkBuff&) = delete;

  // Places the frame (Ethernet header first); `l2` keeps data at the MAC header (tc),
  // otherwise data starts at the network header.
  Status reset(std::span<const std::uint8_t> frame, bool l2);
  // The fields a test run's ctx_in may set (mark, priority, ingress_ifindex, ifindex, cb,
  // tstamp, wire_len, gso_segs, gso_size, hwtstamp); any other nonzero byte is EINVAL.
  Status apply_ctx_in(std::span<const std::uint8_t> ctx_in);
  // Fills the derived fields; with `direct_access`, data / data_end / data_meta.
  void publish(bool direct_access);

  [[nodiscard]] SkBuffContext& context() { return context_; }
  // The bytes the program sees from data (the MAC header for l2).
  [[nodiscard]] std::span<std::uint8_t> data() const { return {data_, length_}; }
  // What the test run returns: the whole frame (the Ethernet header zeroed unless l2), and
  // the context fields Linux reports back.
  [[nodiscard]] std::vector<std::uint8_t> data_out(bool l2) const;
  [[nodiscard]] std::vector<std::uint8_t> ctx_out() const;

 private:
  std::uint8_t* buffer_ = nullptr;
  std::size_t buffer_size_ = 0;
  std::uint8_t* frame_ = nullptr;  // the MAC header
  std::size_t frame_length_ = 0;
  std::uint8_t* data_ = nullptr;
  std::size_t length_ = 0;
  SkBuffContext context_{};
};

}  // namespace xbpf::runtime
