// libpcap as an oracle for the capture formats: it reads what xbpf's writers write (pcap in
// micro- and nanoseconds, pcapng) and writes pcap files that xbpf's reader must read the same.
// Linux only; skipped with the reason where libpcap (libpcap-dev) was not found.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hooks/xdp/capture.h"
#include "platform/platform.h"
#include "test_paths.h"

#if defined(XBPF_HAVE_LIBPCAP)
#include <pcap/pcap.h>
#endif

namespace xbpf::hooks::xdp {
namespace {

#if defined(XBPF_HAVE_LIBPCAP)

using Bytes = std::vector<std::uint8_t>;
namespace fs = std::filesystem;

struct Packet {
  Bytes data;
  std::uint32_t original = 0;
  std::uint64_t timestamp_ns = 0;
};

std::vector<Packet> sample() {
  std::vector<Packet> out;
  for (std::uint32_t i = 0; i < 50; ++i) {
    Packet p;
    p.data.resize(14 + (i * 97) % 1500);
    for (std::size_t j = 0; j < p.data.size(); ++j)
      p.data[j] = static_cast<std::uint8_t>(i + j * 31);
    p.original = static_cast<std::uint32_t>(p.data.size() + i % 4);
    p.timestamp_ns = 1'700'000'000'000'000'000ull + i * 1'234'567ull;
    out.push_back(std::move(p));
  }
  return out;
}

fs::path temp(const std::string& name) {
  return fs::temp_directory_path() /
         ("xbpf-libpcap-" + std::to_string(platform::monotonic_ns()) + name);
}

// libpcap reads every packet; timestamps come back at the precision asked for.
std::vector<Packet> read_with_libpcap(const fs::path& path, bool nano) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_open_offline_with_tstamp_precision(
      path.c_str(), nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, error);
  EXPECT_NE(pcap, nullptr) << error;
  std::vector<Packet> out;
  if (pcap == nullptr) return out;
  EXPECT_EQ(pcap_datalink(pcap), DLT_EN10MB);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int status;
  while ((status = pcap_next_ex(pcap, &header, &data)) == 1) {
    Packet p;
    p.data.assign(data, data + header->caplen);
    p.original = header->len;
    p.timestamp_ns = static_cast<std::uint64_t>(header->ts.tv_sec) * 1'000'000'000 +
                     static_cast<std::uint64_t>(header->ts.tv_usec) * (nano ? 1 : 1000);
    out.push_back(std::move(p));
  }
  EXPECT_EQ(status, PCAP_ERROR_BREAK) << pcap_geterr(pcap);
  pcap_close(pcap);
  return out;
}

TEST(CaptureLibpcap, LibpcapReadsWhatXbpfWrites) {
  const std::vector<Packet> packets = sample();
  for (CaptureFormat format : {CaptureFormat::pcap, CaptureFormat::pcapng}) {
    for (bool nano : {false, true}) {
      SCOPED_TRACE(std::string(capture_format_name(format)) + (nano ? " ns" : " us"));
      const fs::path path = temp(".cap");
      {
        std::ofstream out(path, std::ios::binary);
        auto writer = CaptureWriter::create(out, format, path.string(), nano);
        ASSERT_TRUE(writer->add_interface({kLinkTypeEthernet, 0, "eth0", ""}).ok());
        for (const Packet& p : packets) {
          OutputPacket packet;
          packet.data = p.data;
          packet.original_length = p.original;
          packet.timestamp_ns = p.timestamp_ns;
          packet.comment = "XDP_PASS";
          ASSERT_TRUE(writer->write(packet).ok());
        }
        ASSERT_TRUE(writer->finish().ok());
      }
      // pcapng keeps nanoseconds; pcap what it was written with.
      const bool precise = format == CaptureFormat::pcapng || nano;
      const std::vector<Packet> read = read_with_libpcap(path, precise);
      fs::remove(path);
      ASSERT_EQ(read.size(), packets.size());
      for (std::size_t i = 0; i < packets.size(); ++i) {
        EXPECT_EQ(read[i].data, packets[i].data) << i;
        EXPECT_EQ(read[i].original, packets[i].original) << i;
        const std::uint64_t unit = precise ? 1 : 1000;
        EXPECT_EQ(read[i].timestamp_ns, packets[i].timestamp_ns / unit * unit) << i;
      }
    }
  }
}

TEST(CaptureLibpcap, XbpfReadsWhatLibpcapWrites) {
  const std::vector<Packet> packets = sample();
  for (bool nano : {false, true}) {
    SCOPED_TRACE(nano ? "ns" : "us");
    const fs::path path = temp(".pcap");
    pcap_t* dead = pcap_open_dead_with_tstamp_precision(
        DLT_EN10MB, 65535, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
    ASSERT_NE(dead, nullptr);
    pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
    ASSERT_NE(dumper, nullptr) << pcap_geterr(dead);
    for (const Packet& p : packets) {
      pcap_pkthdr header{};
      header.ts.tv_sec = static_cast<time_t>(p.timestamp_ns / 1'000'000'000);
      header.ts.tv_usec =
          static_cast<suseconds_t>(p.timestamp_ns % 1'000'000'000 / (nano ? 1 : 1000));
      header.caplen = static_cast<bpf_u_int32>(p.data.size());
      header.len = p.original;
      pcap_dump(reinterpret_cast<u_char*>(dumper), &header, p.data.data());
    }
    pcap_dump_close(dumper);
    pcap_close(dead);
    std::ifstream in(path, std::ios::binary);
    Result<std::unique_ptr<CaptureReader>> reader = CaptureReader::open(in, path.string());
    ASSERT_TRUE(reader.ok()) << reader.error().to_string();
    EXPECT_EQ((*reader)->nanosecond(), nano);
    EXPECT_EQ((*reader)->interfaces().at(0).snaplen, 65535u);
    CapturePacket packet;
    for (std::size_t i = 0; i < packets.size(); ++i) {
      Result<bool> next = (*reader)->next(packet);
      ASSERT_TRUE(next.ok()) << next.error().to_string();
      ASSERT_TRUE(*next);
      EXPECT_EQ(Bytes(packet.data.begin(), packet.data.end()), packets[i].data);
      EXPECT_EQ(packet.original_length, packets[i].original);
      const std::uint64_t unit = nano ? 1 : 1000;
      EXPECT_EQ(packet.timestamp_ns, packets[i].timestamp_ns / unit * unit);
    }
    Result<bool> end = (*reader)->next(packet);
    ASSERT_TRUE(end.ok());
    EXPECT_FALSE(*end);
    in.close();
    fs::remove(path);
  }
}

#else

TEST(CaptureLibpcap, LibpcapReadsWhatXbpfWrites) {
  GTEST_SKIP() << "libpcap was not found at configure time (install libpcap-dev; Linux only)";
}

#endif

}  // namespace
}  // namespace xbpf::hooks::xdp
