// The capture readers and writers (src/hooks/xdp/capture.h): round trips, both byte orders,
// pcapng's blocks and options, and every way a capture can be cut short or corrupt.
#include "hooks/xdp/capture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace xbpf::hooks::xdp {
namespace {

using ::testing::HasSubstr;
using Bytes = std::vector<std::uint8_t>;

Bytes pattern(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 13);
  return out;
}

std::string to_string(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

struct Read {
  std::vector<CapturePacket> packets;
  std::vector<Bytes> data;
  std::vector<CaptureInterface> interfaces;
  std::optional<Error> error;
};

Read read_all(const std::string& bytes) {
  std::istringstream in(bytes);
  Read out;
  Result<std::unique_ptr<CaptureReader>> reader = CaptureReader::open(in, "cap");
  if (!reader) {
    out.error = reader.error();
    return out;
  }
  CapturePacket packet;
  for (;;) {
    Result<bool> next = (*reader)->next(packet);
    if (!next) {
      out.error = next.error();
      break;
    }
    if (!*next) break;
    out.packets.push_back(packet);
    out.data.emplace_back(packet.data.begin(), packet.data.end());
  }
  out.interfaces = (*reader)->interfaces();
  return out;
}

// A hand-made capture in either byte order.
class Builder {
 public:
  explicit Builder(bool big) : big_(big) {}
  Builder& u8(std::uint8_t v) {
    bytes_.push_back(v);
    return *this;
  }
  Builder& u16(std::uint16_t v) {
    return big_ ? u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v))
                : u8(static_cast<std::uint8_t>(v)).u8(static_cast<std::uint8_t>(v >> 8));
  }
  Builder& u32(std::uint32_t v) {
    return big_ ? u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v))
                : u16(static_cast<std::uint16_t>(v)).u16(static_cast<std::uint16_t>(v >> 16));
  }
  Builder& raw(const Bytes& b) {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    return *this;
  }
  Builder& pad() {
    while (bytes_.size() % 4 != 0) bytes_.push_back(0);
    return *this;
  }
  // pcapng: a block of `type` around `body` (padded), lengths at both ends.
  Builder& block(std::uint32_t type, const Bytes& body) {
    const auto length = static_cast<std::uint32_t>(12 + (body.size() + 3) / 4 * 4);
    u32(type).u32(length).raw(body).pad().u32(length);
    return *this;
  }
  [[nodiscard]] Bytes bytes() const { return bytes_; }
  [[nodiscard]] std::string str() const { return to_string(bytes_); }
  [[nodiscard]] bool big() const { return big_; }

 private:
  bool big_;
  Bytes bytes_;
};

Bytes body(bool big, const std::function<void(Builder&)>& fill) {
  Builder b(big);
  fill(b);
  return b.bytes();
}

Bytes section_header(bool big) {
  return body(big, [](Builder& b) { b.u32(0x1a2b3c4d).u16(1).u16(0).u32(~0u).u32(~0u); });
}

Bytes interface_block(bool big, std::uint16_t link, std::string name, std::uint8_t tsresol) {
  return body(big, [&](Builder& b) {
    b.u16(link).u16(0).u32(0);
    if (!name.empty()) {
      b.u16(2).u16(static_cast<std::uint16_t>(name.size())).raw(Bytes(name.begin(), name.end()));
      b.pad();
    }
    b.u16(9).u16(1).u8(tsresol).pad();
    b.u16(0).u16(0);
  });
}

Bytes enhanced_block(bool big, std::uint32_t interface, std::uint64_t units, const Bytes& data,
                     std::uint32_t original, const std::string& comment = "") {
  return body(big, [&](Builder& b) {
    b.u32(interface)
        .u32(static_cast<std::uint32_t>(units >> 32))
        .u32(static_cast<std::uint32_t>(units));
    b.u32(static_cast<std::uint32_t>(data.size())).u32(original).raw(data).pad();
    if (!comment.empty()) {
      b.u16(1)
          .u16(static_cast<std::uint16_t>(comment.size()))
          .raw(Bytes(comment.begin(), comment.end()))
          .pad();
      b.u16(0).u16(0);
    }
  });
}

std::string pcap_file(bool big, bool nano, const std::vector<Bytes>& packets,
                      std::uint32_t link = kLinkTypeEthernet) {
  Builder b(big);
  b.u32(nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(link);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    b.u32(1700000000 + static_cast<std::uint32_t>(i)).u32(123456 + static_cast<std::uint32_t>(i));
    b.u32(static_cast<std::uint32_t>(packets[i].size()))
        .u32(static_cast<std::uint32_t>(packets[i].size() + i));
    b.raw(packets[i]);
  }
  return b.str();
}

TEST(Capture, PcapInBothByteOrdersAndBothTimestampUnits) {
  const std::vector<Bytes> packets = {pattern(60, 1), pattern(1514, 2), pattern(14, 3)};
  for (bool big : {false, true}) {
    for (bool nano : {false, true}) {
      SCOPED_TRACE(std::string(big ? "big" : "little") + (nano ? " ns" : " us"));
      const Read read = read_all(pcap_file(big, nano, packets));
      ASSERT_FALSE(read.error) << read.error->to_string();
      ASSERT_EQ(read.packets.size(), 3u);
      ASSERT_EQ(read.interfaces.size(), 1u);
      EXPECT_EQ(read.interfaces[0].link_type, kLinkTypeEthernet);
      EXPECT_EQ(read.interfaces[0].snaplen, 65535u);
      for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(read.data[i], packets[i]);
        EXPECT_EQ(read.packets[i].record, i + 1);
        EXPECT_EQ(read.packets[i].original_length, packets[i].size() + i);
        EXPECT_EQ(read.packets[i].timestamp_ns,
                  (1700000000 + i) * 1'000'000'000ull + (123456 + i) * (nano ? 1 : 1000));
      }
      EXPECT_EQ(read.packets[1].offset, 24u + 16 + 60);
    }
  }
}

TEST(Capture, WritersRoundTripThroughTheReaders) {
  for (CaptureFormat format : {CaptureFormat::pcap, CaptureFormat::pcapng}) {
    for (bool nano : {false, true}) {
      SCOPED_TRACE(std::string(capture_format_name(format)) + (nano ? " ns" : ""));
      std::ostringstream out;
      auto writer = CaptureWriter::create(out, format, "out", nano);
      CaptureInterface first{kLinkTypeEthernet, 0, "eth0", "the first"};
      CaptureInterface second{kLinkTypeEthernet, 2048, "eth1", ""};
      ASSERT_TRUE(writer->add_interface(first).ok());
      ASSERT_TRUE(writer->add_interface(second).ok());
      std::vector<Bytes> packets;
      for (std::uint32_t i = 0; i < 20; ++i) {
        packets.push_back(pattern(14 + i * 37, static_cast<std::uint8_t>(i)));
        OutputPacket packet;
        packet.interface = i % 2;
        packet.timestamp_ns = 1'700'000'000'123'456'789ull + i * 1001;
        packet.original_length = static_cast<std::uint32_t>(packets.back().size() + (i % 3));
        packet.data = packets.back();
        packet.comment = i % 2 ? "XDP_TX" : "XDP_PASS";
        ASSERT_TRUE(writer->write(packet).ok());
      }
      ASSERT_TRUE(writer->finish().ok());
      EXPECT_EQ(writer->packets_written(), 20u);
      const Read read = read_all(out.str());
      ASSERT_FALSE(read.error) << read.error->to_string();
      ASSERT_EQ(read.packets.size(), 20u);
      const bool pcapng = format == CaptureFormat::pcapng;
      ASSERT_EQ(read.interfaces.size(), pcapng ? 2u : 1u);
      if (pcapng) {
        EXPECT_EQ(read.interfaces[0].name, "eth0");
        EXPECT_EQ(read.interfaces[0].description, "the first");
        EXPECT_EQ(read.interfaces[1].name, "eth1");
        EXPECT_EQ(read.interfaces[1].snaplen, 2048u);
      }
      for (std::uint32_t i = 0; i < 20; ++i) {
        EXPECT_EQ(read.data[i], packets[i]);
        EXPECT_EQ(read.packets[i].original_length, packets[i].size() + (i % 3));
        const std::uint64_t expected = 1'700'000'000'123'456'789ull + i * 1001;
        const std::uint64_t unit = pcapng || nano ? 1 : 1000;
        EXPECT_EQ(read.packets[i].timestamp_ns, expected / unit * unit);
        EXPECT_EQ(read.packets[i].interface, pcapng ? i % 2 : 0u);
        EXPECT_EQ(read.packets[i].comment, pcapng ? (i % 2 ? "XDP_TX" : "XDP_PASS") : "");
      }
    }
  }
}

TEST(Capture, PcapngBlocksOptionsSectionsAndByteOrders) {
  for (bool big : {false, true}) {
    SCOPED_TRACE(big ? "big-endian first section" : "little-endian first section");
    Builder file(big);
    file.block(0x0a0d0d0a, section_header(big));
    file.block(0x00000bad, Bytes(10, 0xee));                                // unknown: skipped
    file.block(1, interface_block(big, kLinkTypeEthernet, "uplink", 3));    // milliseconds
    file.block(1, interface_block(big, kLinkTypeEthernet, "", 0x80 | 20));  // 2^-20 s
    file.block(6, enhanced_block(big, 1, (std::uint64_t{5} << 20) + (1 << 19), pattern(64, 9), 64,
                                 "hello"));
    file.block(6, enhanced_block(big, 0, 1234567, pattern(61, 7), 1500));
    file.block(3, body(big, [](Builder& b) { b.u32(33).raw(pattern(33, 4)); }));  // SPB
    file.block(2, body(big, [](Builder& b) {  // obsolete packet block, interface 1
                 b.u16(1).u16(0).u32(0).u32(1u << 20).u32(20).u32(20).raw(pattern(20, 5));
               }));
    file.block(5, Bytes(8, 0));  // interface statistics: skipped
    // A second section, in the other byte order, with one interface of its own.
    Builder second(!big);
    second.block(0x0a0d0d0a, section_header(!big));
    second.block(1, interface_block(!big, kLinkTypeEthernet, "lo", 9));
    second.block(6, enhanced_block(!big, 0, 42, pattern(15, 3), 15));
    const std::string bytes = file.str() + second.str();
    const Read read = read_all(bytes);
    ASSERT_FALSE(read.error) << read.error->to_string();
    ASSERT_EQ(read.packets.size(), 5u);
    ASSERT_EQ(read.interfaces.size(), 3u);
    EXPECT_EQ(read.interfaces[0].name, "uplink");
    EXPECT_EQ(read.interfaces[2].name, "lo");
    EXPECT_EQ(read.packets[0].interface, 1u);
    EXPECT_EQ(read.packets[0].timestamp_ns, 5'500'000'000u);
    EXPECT_EQ(read.packets[0].comment, "hello");
    EXPECT_EQ(read.packets[0].record, 5u);
    EXPECT_EQ(read.data[0], pattern(64, 9));
    EXPECT_EQ(read.packets[1].timestamp_ns, 1'234'567'000'000u);
    EXPECT_EQ(read.packets[1].original_length, 1500u);
    EXPECT_EQ(read.data[2], pattern(33, 4));
    EXPECT_EQ(read.packets[2].interface, 0u);
    EXPECT_EQ(read.packets[3].interface, 1u);
    EXPECT_EQ(read.packets[3].timestamp_ns, 1'000'000'000u);
    EXPECT_EQ(read.data[3], pattern(20, 5));
    EXPECT_EQ(read.packets[4].interface, 2u);
    EXPECT_EQ(read.packets[4].timestamp_ns, 42u);
    EXPECT_EQ(read.data[4], pattern(15, 3));
  }
}

// Every prefix of a valid capture either ends at a record boundary (then it reads as the
// records before) or fails naming the record that was cut and where it starts.
void expect_truncations_named(const std::string& whole, std::size_t header,
                              const std::vector<std::uint64_t>& record_offsets,
                              std::uint64_t first_record,
                              const std::vector<std::size_t>& packets_before) {
  for (std::size_t size = header; size < whole.size(); ++size) {
    const Read read = read_all(whole.substr(0, size));
    std::size_t complete = 0;
    while (complete + 1 < record_offsets.size() && record_offsets[complete + 1] <= size) ++complete;
    if (record_offsets[complete] == size) {
      EXPECT_FALSE(read.error) << size << ": " << read.error->to_string();
      continue;
    }
    ASSERT_TRUE(read.error) << "a capture cut at " << size << " bytes was accepted";
    EXPECT_THAT(read.error->to_string(),
                HasSubstr("record " + std::to_string(first_record + complete) + " at byte offset " +
                          std::to_string(record_offsets[complete]) + ": truncated"))
        << "cut at " << size;
    EXPECT_EQ(read.packets.size(), packets_before[complete]);
  }
}

TEST(Capture, TruncatedPcapNamesTheRecord) {
  const std::string whole =
      pcap_file(false, false, {pattern(60, 1), pattern(70, 2), pattern(80, 3)});
  expect_truncations_named(whole, 24, {24, 24 + 76, 24 + 76 + 86, whole.size()}, 1, {0, 1, 2, 3});
  for (std::size_t size = 0; size < 24; ++size) {
    const Read read = read_all(whole.substr(0, size));
    ASSERT_TRUE(read.error);
    EXPECT_THAT(read.error->to_string(), size < 4 ? HasSubstr("not a capture file")
                                                  : HasSubstr("truncated pcap file header"));
  }
}

TEST(Capture, TruncatedPcapngNamesTheBlock) {
  Builder file(false);
  file.block(0x0a0d0d0a, section_header(false));
  const std::size_t shb = file.bytes().size();
  file.block(1, interface_block(false, 1, "eth0", 6));
  const std::size_t idb = file.bytes().size();
  file.block(6, enhanced_block(false, 0, 1, pattern(61, 1), 61, "note"));
  const std::size_t epb = file.bytes().size();
  file.block(0x40000bad, Bytes(17, 1));
  const std::size_t custom = file.bytes().size();
  file.block(3, body(false, [](Builder& b) { b.u32(40).raw(pattern(40, 2)); }));
  expect_truncations_named(file.str(), shb, {shb, idb, epb, custom, file.bytes().size()}, 2,
                           {0, 0, 1, 1, 2});
}

TEST(Capture, CorruptRecordsAreNamed) {
  struct Case {
    std::string name;
    std::string bytes;
    std::string message;
  };
  std::vector<Case> cases;
  {
    std::string bytes = pcap_file(false, false, {pattern(60, 1), pattern(60, 2)});
    bytes[24 + 76 + 8] = '\x01';  // record 2's captured length: 60 + 65536*... past max
    bytes[24 + 76 + 10] = '\x10';
    cases.push_back({"huge pcap record", bytes, "record 2 at byte offset 100: captured length"});
  }
  {
    std::string bytes = pcap_file(false, false, {pattern(60, 1)});
    bytes[24 + 12] = 10;  // original length 10 < captured 60
    cases.push_back({"pcap original < captured", bytes, "exceeds the original length 10"});
  }
  cases.push_back({"not a capture", "GIF89a....", "not a pcap or pcapng file"});
  {
    std::string bytes = pcap_file(false, false, {});
    bytes[4] = 3;  // version 3.4
    cases.push_back({"pcap version", bytes, "unsupported pcap version 3.4"});
  }
  auto pcapng = [](const std::function<void(Builder&)>& fill) {
    Builder b(false);
    b.block(0x0a0d0d0a, section_header(false));
    fill(b);
    return b.str();
  };
  {
    std::string bytes = pcapng([](Builder& b) { b.block(1, interface_block(false, 1, "", 6)); });
    bytes[bytes.size() - 4] = 99;  // the IDB's trailing length
    cases.push_back(
        {"trailing length", bytes, "record 2 at byte offset 28: the block's trailing length 99"});
  }
  {
    std::string bytes = pcapng([](Builder&) {});
    bytes[8] = 0x11;  // byte-order magic
    cases.push_back({"byte-order magic", bytes, "record 1 at byte offset 0: bad byte-order magic"});
  }
  cases.push_back({"unknown interface", pcapng([](Builder& b) {
                     b.block(1, interface_block(false, 1, "", 6));
                     b.block(6, enhanced_block(false, 1, 0, pattern(20, 1), 20));
                   }),
                   "record 3 at byte offset 60: interface 1 has no interface description block"});
  cases.push_back({"simple packet before an interface", pcapng([](Builder& b) {
                     b.block(3, body(false, [](Builder& c) { c.u32(4).u32(0); }));
                   }),
                   "a simple packet block before any interface description block"});
  cases.push_back({"option overrun", pcapng([](Builder& b) {
                     b.block(
                         1, body(false, [](Builder& c) { c.u16(1).u16(0).u32(0).u16(2).u16(40); }));
                   }),
                   "option 2 of 40 bytes runs past the end of the block"});
  cases.push_back({"captured past the block", pcapng([](Builder& b) {
                     b.block(1, interface_block(false, 1, "", 6));
                     b.block(6, body(false, [](Builder& c) {
                               c.u32(0).u32(0).u32(0).u32(200).u32(200).raw(pattern(8, 1));
                             }));
                   }),
                   "captured length 200 runs past the end of the block"});
  {
    Builder b(false);
    b.block(0x0a0d0d0a, section_header(false));
    b.u32(1).u32(14).u32(0).u32(0);  // a block length that is not a multiple of 4
    cases.push_back({"block length", b.str(), "bad block length 14"});
  }
  for (const Case& c : cases) {
    const Read read = read_all(c.bytes);
    ASSERT_TRUE(read.error) << c.name;
    EXPECT_THAT(read.error->to_string(), HasSubstr(c.message)) << c.name;
    EXPECT_THAT(read.error->to_string(), HasSubstr("cap")) << c.name;
  }
}

TEST(Capture, WritersNeverWriteAPartialPacket) {
  for (CaptureFormat format : {CaptureFormat::pcap, CaptureFormat::pcapng}) {
    std::ostringstream out;
    auto writer = CaptureWriter::create(out, format, "out");
    ASSERT_TRUE(writer->add_interface({}).ok());
    const Bytes fine = pattern(100, 1), huge(kMaxCapturedLength + 1, 0);
    OutputPacket packet;
    packet.data = fine;
    ASSERT_TRUE(writer->write(packet).ok());
    const std::size_t before = out.str().size();
    packet.data = huge;
    const Status refused = writer->write(packet);
    ASSERT_FALSE(refused.ok());
    EXPECT_THAT(refused.error().to_string(), HasSubstr("exceeds the maximum"));
    packet.interface = 5;
    packet.data = fine;
    EXPECT_FALSE(writer->write(packet).ok());
    EXPECT_EQ(out.str().size(), before);
    const Read read = read_all(out.str());
    ASSERT_FALSE(read.error);
    EXPECT_EQ(read.packets.size(), 1u);
  }
  // pcap has one link type.
  std::ostringstream out;
  auto writer = CaptureWriter::create(out, CaptureFormat::pcap, "out");
  ASSERT_TRUE(writer->add_interface({}).ok());
  CaptureInterface raw;
  raw.link_type = 101;
  const Status mixed = writer->add_interface(raw);
  ASSERT_FALSE(mixed.ok());
  EXPECT_THAT(mixed.error().to_string(), HasSubstr("RAW (101)"));
}

TEST(Capture, OutputFormatFollowsTheFileName) {
  EXPECT_EQ(output_format_for("a/passed.pcap"), CaptureFormat::pcap);
  EXPECT_EQ(output_format_for("passed.pcapng"), CaptureFormat::pcapng);
  EXPECT_EQ(output_format_for("passed"), CaptureFormat::pcapng);
}

}  // namespace
}  // namespace xbpf::hooks::xdp
