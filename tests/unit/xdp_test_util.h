// Shared by the XDP hook's tests: frames built header by header, the compiled test objects,
// and a replay of in-memory packets.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "hooks/xdp/xdp_replay.h"
#include "runtime_test_util.h"

namespace xbpf::hooks::xdp::test {

using Bytes = std::vector<std::uint8_t>;

inline std::filesystem::path firewall_object() {
  return xbpf::test::binary_dir() / "examples" / "xdp_firewall.o";
}
inline std::filesystem::path actions_object() {
  return runtime::test::program_object("xdp_actions", 3);
}

// A frame built from the outside in: Ethernet, VLAN tags, then whatever follows.
class FrameBuilder {
 public:
  FrameBuilder& ethernet(std::uint16_t type, std::vector<std::uint16_t> vlans = {}) {
    const std::uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    bytes_.assign(macs, macs + 12);
    for (std::uint16_t tpid : vlans) {
      be16(tpid);
      be16(100);
    }
    be16(type);
    return *this;
  }
  FrameBuilder& ipv4(std::array<std::uint8_t, 4> source, std::uint8_t protocol, std::size_t payload,
                     std::size_t options = 0, std::uint16_t fragment = 0x4000) {
    const std::size_t header = 20 + options;
    const std::size_t at = bytes_.size();
    bytes_.resize(at + header, 0);
    bytes_[at] = static_cast<std::uint8_t>(0x40 | header / 4);
    put16(at + 2, static_cast<std::uint16_t>(header + payload));
    put16(at + 6, fragment);
    bytes_[at + 8] = 64;
    bytes_[at + 9] = protocol;
    std::memcpy(&bytes_[at + 12], source.data(), 4);
    const std::uint8_t destination[4] = {192, 0, 2, 80};
    std::memcpy(&bytes_[at + 16], destination, 4);
    return *this;
  }
  // IPv6 with extension headers {type, length} (a fragment header is 8 bytes; `later` makes
  // it a non-first fragment).
  FrameBuilder& ipv6(std::array<std::uint8_t, 16> source, std::uint8_t protocol,
                     std::size_t payload,
                     std::vector<std::pair<std::uint8_t, std::size_t>> extensions = {},
                     bool later = false) {
    std::size_t total = 0;
    for (const auto& e : extensions) total += e.second;
    const std::size_t at = bytes_.size();
    bytes_.resize(at + 40 + total, 0);
    bytes_[at] = 0x60;
    put16(at + 4, static_cast<std::uint16_t>(total + payload));
    bytes_[at + 6] = extensions.empty() ? protocol : extensions.front().first;
    bytes_[at + 7] = 64;
    std::memcpy(&bytes_[at + 8], source.data(), 16);
    bytes_[at + 24] = 0x20;
    std::size_t cursor = at + 40;
    for (std::size_t i = 0; i < extensions.size(); ++i) {
      bytes_[cursor] = i + 1 < extensions.size() ? extensions[i + 1].first : protocol;
      if (extensions[i].first == 44) {
        put16(cursor + 2, later ? 0x0100 : 0x0001);
      } else {
        bytes_[cursor + 1] = static_cast<std::uint8_t>(extensions[i].second / 8 - 1);
      }
      cursor += extensions[i].second;
    }
    return *this;
  }
  FrameBuilder& tcp(std::uint8_t flags, std::size_t payload = 0) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + 20 + payload, 0x5a);
    put16(at, 40000);
    put16(at + 2, 80);
    bytes_[at + 12] = 0x50;
    bytes_[at + 13] = flags;
    return *this;
  }
  FrameBuilder& udp(std::size_t payload = 0) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + 8 + payload, 0x33);
    put16(at, 40000);
    put16(at + 2, 53);
    put16(at + 4, static_cast<std::uint16_t>(8 + payload));
    return *this;
  }
  FrameBuilder& raw(std::size_t size, std::uint8_t value) {
    bytes_.resize(bytes_.size() + size, value);
    return *this;
  }
  [[nodiscard]] Bytes bytes() const { return bytes_; }

  void put16(std::size_t at, std::uint16_t v) {
    bytes_[at] = static_cast<std::uint8_t>(v >> 8);
    bytes_[at + 1] = static_cast<std::uint8_t>(v);
  }

 private:
  void be16(std::uint16_t v) {
    bytes_.push_back(static_cast<std::uint8_t>(v >> 8));
    bytes_.push_back(static_cast<std::uint8_t>(v));
  }
  Bytes bytes_;
};

inline constexpr std::uint8_t kTcpSyn = 0x02, kTcpAck = 0x10, kTcpSynAck = 0x12;

// A frame for tests/programs/xdp_actions.bpf.c: EtherType 0x88b5, action, argument, then
// `size` bytes in all (at least 24; byte 23 is the per_tag map's key).
inline Bytes action_frame(std::uint8_t action, std::uint8_t arg = 0, std::size_t size = 64,
                          std::uint8_t tag = 0) {
  Bytes frame = FrameBuilder().ethernet(0x88b5).raw(size - 14, 0).bytes();
  frame[14] = action;
  frame[15] = arg;
  for (std::size_t i = 16; i < size; ++i) frame[i] = static_cast<std::uint8_t>(i);
  frame[23] = tag;
  return frame;
}

// Packets in memory, one microsecond apart (pcap's interface: ifindex 1).
struct PacketSet {
  std::vector<Bytes> frames;
  std::vector<ReplayPacket> packets() const {
    std::vector<ReplayPacket> out;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      ReplayPacket packet;
      packet.data = frames[i];
      packet.timestamp_ns = 1'700'000'000'000'000'000ull + i * 1000;
      packet.record = i + 1;
      out.push_back(packet);
    }
    return out;
  }
};

// A map's (key, value) pairs, per-CPU values summed as u64 words, in key order.
inline std::map<Bytes, Bytes> map_contents(runtime::Map& map, bool per_cpu_sum = false,
                                           unsigned cpus = 1) {
  std::map<Bytes, Bytes> out;
  const std::size_t key_size = map.spec().key_size;
  Bytes key(key_size), next(key_size);
  const void* previous = nullptr;
  while (map.get_next_key(previous, next.data()) == 0) {
    key = next;
    previous = key.data();
    Bytes value(map.user_value_size());
    if (map.user_lookup(key.data(), value.data(), 0) != 0) continue;
    if (per_cpu_sum) {
      const std::size_t stride = (map.spec().value_size + 7) / 8 * 8;
      Bytes sum(map.spec().value_size, 0);
      for (std::size_t word = 0; word + 8 <= sum.size(); word += 8) {
        std::uint64_t total = 0;
        for (unsigned cpu = 0; cpu < cpus; ++cpu) {
          std::uint64_t v;
          std::memcpy(&v, value.data() + cpu * stride + word, 8);
          total += v;
        }
        std::memcpy(sum.data() + word, &total, 8);
      }
      value = sum;
    }
    out[key] = value;
  }
  return out;
}

inline runtime::Map& map_named(const runtime::LoadedObject& object, const std::string& name) {
  const runtime::LoadedMap* map = object.find_map(name);
  if (map == nullptr || !map->map) throw std::runtime_error("no map " + name);
  return *map->map;
}

}  // namespace xbpf::hooks::xdp::test
