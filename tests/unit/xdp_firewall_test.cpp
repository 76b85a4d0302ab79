// The demo firewall (examples/xdp_firewall.bpf.c) on crafted packets: the blocklist, the SYN
// limit, VLAN and IPv6 extension headers, malformed frames, and its counters.
#include <gtest/gtest.h>

#include "xdp_test_util.h"

namespace xbpf::hooks::xdp::test {
namespace {

enum Stat {
  kPackets,
  kBytes,
  kPass,
  kDropBlocked,
  kDropSynFlood,
  kDropMalformed,
  kVlan,
  kIpv4,
  kIpv6,
  kIpv6Extensions,
  kFragments,
  kTcp,
  kUdp,
  kSyn,
  kOther,
  kStatCount
};

using V4 = std::array<std::uint8_t, 4>;
using V6 = std::array<std::uint8_t, 16>;

V6 v6(std::uint16_t g0, std::uint16_t g1, std::uint16_t g2, std::uint16_t last) {
  V6 out{};
  const std::uint16_t groups[8] = {g0, g1, g2, 0, 0, 0, 0, last};
  for (int i = 0; i < 8; ++i) {
    out[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(groups[i] >> 8);
    out[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(groups[i]);
  }
  return out;
}

class FirewallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(firewall_object()))
      GTEST_SKIP() << firewall_object() << " is not built (clang missing?)";
    Result<runtime::test::XbpfObject> loaded = runtime::test::load_xbpf(firewall_object(), 4);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    object_ = std::move(*loaded);
    program_ = object_.object->find_program("xdp_firewall");
    ASSERT_NE(program_, nullptr);
    // 203.0.113.0/24 and 2001:db8:bad::/48, as examples/xdp_firewall.maps.
    const std::uint8_t v4_key[8] = {24, 0, 0, 0, 203, 0, 113, 0};
    std::uint8_t v6_key[20] = {48, 0, 0, 0};
    const V6 prefix = v6(0x2001, 0xdb8, 0xbad, 0);
    std::memcpy(v6_key + 4, prefix.data(), 16);
    const std::uint32_t rule = 1;
    ASSERT_EQ(map_named(*object_.object, "blocklist_v4").user_update(v4_key, &rule, 0), 0);
    ASSERT_EQ(map_named(*object_.object, "blocklist_v6").user_update(v6_key, &rule, 0), 0);
  }

  // Runs frames one microsecond apart, after those run before (the clock continues).
  std::vector<std::uint32_t> run(const std::vector<Bytes>& frames, std::uint64_t gap_ns = 1000) {
    std::vector<ReplayPacket> packets;
    for (const Bytes& frame : frames) {
      ReplayPacket packet;
      packet.data = frame;
      packet.timestamp_ns = (clock_ += gap_ns);
      packet.record = packets.size() + 1;
      packets.push_back(packet);
    }
    Result<std::unique_ptr<XdpReplay>> replay = XdpReplay::create(*program_, {});
    EXPECT_TRUE(replay.ok());
    std::vector<PacketResult> results;
    const Status status = (*replay)->run(packets, results);
    EXPECT_TRUE(status.ok()) << status.error().to_string();
    std::vector<std::uint32_t> verdicts;
    for (const PacketResult& result : results) verdicts.push_back(result.retval);
    return verdicts;
  }
  std::uint32_t run_one(const Bytes& frame) { return run({frame}).at(0); }

  std::uint64_t stat(Stat which) {
    const auto stats = map_contents(map_named(*object_.object, "stats"), true, 4);
    const std::uint32_t key = which;
    std::uint64_t value;
    std::memcpy(&value,
                stats
                    .at(Bytes(reinterpret_cast<const std::uint8_t*>(&key),
                              reinterpret_cast<const std::uint8_t*>(&key) + 4))
                    .data(),
                8);
    return value;
  }

  // The source's {packets, bytes, dropped}, or nothing.
  std::optional<std::array<std::uint64_t, 3>> talker(std::uint8_t family,
                                                     const std::uint8_t* addr) {
    std::uint8_t key[20] = {family};
    std::memcpy(key + 4, addr, family == 4 ? 4 : 16);
    std::array<std::uint64_t, 3> value{};
    if (map_named(*object_.object, "talkers").user_lookup(key, value.data(), 0) != 0)
      return std::nullopt;
    return value;
  }

  runtime::test::XbpfObject object_;
  const runtime::LoadedProgram* program_ = nullptr;
  std::uint64_t clock_ = 1'000'000'000'000;
};

TEST_F(FirewallTest, BlockedPrefixesAreDropped) {
  const V4 blocked{203, 0, 113, 77}, neighbour{203, 0, 114, 1};
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x0800).ipv4(blocked, 17, 8).udp().bytes()), kXdpDrop);
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x0800).ipv4(neighbour, 17, 8).udp().bytes()),
            kXdpPass);
  const V6 blocked6 = v6(0x2001, 0xdb8, 0xbad, 9), outside6 = v6(0x2001, 0xdb8, 0xbae, 9);
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x86dd).ipv6(blocked6, 6, 20).tcp(kTcpAck).bytes()),
            kXdpDrop);
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x86dd).ipv6(outside6, 6, 20).tcp(kTcpAck).bytes()),
            kXdpPass);
  EXPECT_EQ(stat(kDropBlocked), 2u);
  EXPECT_EQ(stat(kPass), 2u);
  const auto counted = talker(4, blocked.data());
  ASSERT_TRUE(counted);
  EXPECT_EQ((*counted)[0], 1u);
  EXPECT_EQ((*counted)[2], 1u);  // dropped
}

TEST_F(FirewallTest, SynFloodsAreLimitedPerSource) {
  const V4 flooder{198, 51, 100, 66}, other{10, 1, 0, 5};
  const Bytes syn = FrameBuilder().ethernet(0x0800).ipv4(flooder, 6, 20).tcp(kTcpSyn).bytes();
  // 100 SYNs 1 us apart: the burst of 32 passes, the rest is dropped.
  const std::vector<std::uint32_t> verdicts = run(std::vector<Bytes>(100, syn));
  for (std::size_t i = 0; i < verdicts.size(); ++i)
    EXPECT_EQ(verdicts[i], i < 32 ? kXdpPass : kXdpDrop) << "SYN " << i;
  EXPECT_EQ(stat(kDropSynFlood), 68u);
  // Another source is not limited; nor are the flooder's ACKs.
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x0800).ipv4(other, 6, 20).tcp(kTcpSyn).bytes()),
            kXdpPass);
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x0800).ipv4(flooder, 6, 20).tcp(kTcpAck).bytes()),
            kXdpPass);
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x0800).ipv4(flooder, 6, 20).tcp(kTcpSynAck).bytes()),
            kXdpPass);
  // 100 SYNs a second refill the bucket: after 50 ms, 5 more pass.
  EXPECT_EQ(run({syn}, 50'000'000).at(0), kXdpPass);
  const std::vector<std::uint32_t> burst = run(std::vector<Bytes>(8, syn));
  EXPECT_EQ(std::count(burst.begin(), burst.end(), kXdpPass), 5 - 1);
  EXPECT_EQ(stat(kSyn), 100u + 1 + 1 + 8);
  const auto counted = talker(4, flooder.data());
  ASSERT_TRUE(counted);
  EXPECT_EQ((*counted)[0], 100u + 2 + 9);
  EXPECT_EQ((*counted)[1], (100u + 2 + 9) * syn.size());
  EXPECT_EQ((*counted)[2], 68u + 4);
}

TEST_F(FirewallTest, VlanTagsAndIpv6ExtensionHeadersAreParsed) {
  const V4 source{10, 1, 0, 7};
  const V6 source6 = v6(0x2001, 0xdb8, 1, 7), blocked6 = v6(0x2001, 0xdb8, 0xbad, 1);
  // Blocked behind two tags, and behind extension headers: parsed all the way.
  EXPECT_EQ(run_one(FrameBuilder()
                        .ethernet(0x86dd, {0x88a8, 0x8100})
                        .ipv6(blocked6, 17, 8, {{0, 8}})
                        .udp()
                        .bytes()),
            kXdpDrop);
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x0800, {0x8100}).ipv4(source, 17, 8).udp().bytes()),
            kXdpPass);
  EXPECT_EQ(stat(kVlan), 2u);
  // hop-by-hop, routing, fragment (first), destination options, then a TCP SYN.
  EXPECT_EQ(run_one(FrameBuilder()
                        .ethernet(0x86dd)
                        .ipv6(source6, 6, 20, {{0, 8}, {43, 24}, {44, 8}, {60, 16}})
                        .tcp(kTcpSyn)
                        .bytes()),
            kXdpPass);
  EXPECT_EQ(stat(kIpv6Extensions), 1u);
  EXPECT_EQ(stat(kSyn), 1u);
  EXPECT_EQ(stat(kTcp), 1u);
  EXPECT_EQ(stat(kFragments), 1u);
  // A later fragment carries no TCP header.
  EXPECT_EQ(run_one(FrameBuilder()
                        .ethernet(0x86dd)
                        .ipv6(source6, 6, 20, {{44, 8}}, true)
                        .raw(20, 0x02)
                        .bytes()),
            kXdpPass);
  EXPECT_EQ(stat(kTcp), 1u);
  EXPECT_EQ(stat(kFragments), 2u);
  // IPv4 options and a later IPv4 fragment.
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x0800).ipv4(source, 6, 20, 12).tcp(kTcpAck).bytes()),
            kXdpPass);
  EXPECT_EQ(stat(kTcp), 2u);
  EXPECT_EQ(
      run_one(FrameBuilder().ethernet(0x0800).ipv4(source, 6, 20, 0, 0x00b9).raw(20, 0).bytes()),
      kXdpPass);
  EXPECT_EQ(stat(kTcp), 2u);
  EXPECT_EQ(stat(kFragments), 3u);
  EXPECT_EQ(stat(kIpv4), 3u);
  EXPECT_EQ(stat(kIpv6), 3u);
  // ARP passes, counted as other.
  EXPECT_EQ(run_one(FrameBuilder().ethernet(0x0806).raw(46, 0).bytes()), kXdpPass);
  EXPECT_EQ(stat(kOther), 1u);
}

TEST_F(FirewallTest, MalformedFramesAreDropped) {
  const V4 source{10, 1, 0, 8};
  const V6 source6 = v6(0x2001, 0xdb8, 1, 8);
  std::vector<Bytes> bad;
  bad.push_back(FrameBuilder().ethernet(0x0800).raw(10, 0x45).bytes());  // IP header cut
  Bytes ihl = FrameBuilder().ethernet(0x0800).ipv4(source, 17, 8).udp().bytes();
  ihl[14] = 0x44;  // IHL 4
  bad.push_back(ihl);
  Bytes total = FrameBuilder().ethernet(0x0800).ipv4(source, 17, 8).udp().bytes();
  total[17] = 200;  // total length past the frame
  bad.push_back(total);
  bad.push_back(
      FrameBuilder().ethernet(0x0800, {0x88a8, 0x8100, 0x8100}).ipv4(source, 17, 8).udp().bytes());
  Bytes tcp = FrameBuilder().ethernet(0x0800).ipv4(source, 6, 10).raw(10, 0).bytes();
  bad.push_back(tcp);  // TCP header cut short
  std::vector<std::pair<std::uint8_t, std::size_t>> nine(9, {60, 8});
  bad.push_back(FrameBuilder().ethernet(0x86dd).ipv6(source6, 17, 8, nine).udp().bytes());
  Bytes off_end = FrameBuilder().ethernet(0x86dd).ipv6(source6, 17, 8, {{43, 64}}).bytes();
  off_end.resize(14 + 40 + 8);  // the routing header claims 64 bytes, 8 are there
  off_end[19] = 8;
  bad.push_back(off_end);
  for (std::size_t i = 0; i < bad.size(); ++i)
    EXPECT_EQ(run_one(bad[i]), kXdpDrop) << "frame " << i;
  EXPECT_EQ(stat(kDropMalformed), bad.size());
  EXPECT_EQ(stat(kPass), 0u);
  EXPECT_EQ(stat(kPackets), bad.size());
  std::uint64_t bytes = 0;
  for (const Bytes& frame : bad) bytes += frame.size();
  EXPECT_EQ(stat(kBytes), bytes);
}

TEST_F(FirewallTest, CountersFollowEachSource) {
  const V4 a{10, 1, 0, 1}, b{10, 1, 0, 2};
  std::vector<Bytes> frames;
  for (int i = 0; i < 30; ++i)
    frames.push_back(FrameBuilder().ethernet(0x0800).ipv4(i % 3 ? a : b, 17, 8 + i).udp(i).bytes());
  run(frames);
  std::uint64_t bytes_a = 0, bytes_b = 0;
  for (int i = 0; i < 30; ++i)
    (i % 3 ? bytes_a : bytes_b) += frames[static_cast<std::size_t>(i)].size();
  EXPECT_EQ(talker(4, a.data()), (std::array<std::uint64_t, 3>{20, bytes_a, 0}));
  EXPECT_EQ(talker(4, b.data()), (std::array<std::uint64_t, 3>{10, bytes_b, 0}));
  EXPECT_EQ(stat(kUdp), 30u);
  EXPECT_EQ(stat(kPass), 30u);
}

}  // namespace
}  // namespace xbpf::hooks::xdp::test
