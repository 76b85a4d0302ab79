// End-to-end: `xbpf xdp run` and traffic-gen, driven as a user drives them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hooks/xdp/capture.h"
#include "platform/platform.h"
#include "support/files.h"
#include "xdp_test_util.h"

namespace xbpf::hooks::xdp::test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string tool(const std::string& name) {
#if defined(_WIN32)
  return (xbpf::test::binary_dir() / "bin" / (name + ".exe")).string();
#else
  return (xbpf::test::binary_dir() / "bin" / name).string();
#endif
}

class XdpCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(tool("xbpf"))) GTEST_SKIP() << tool("xbpf") << " is not built";
    dir_ = fs::temp_directory_path() / ("xbpf-xdp-cli-" + std::to_string(platform::monotonic_ns()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }
  platform::ProcessResult run(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), tool(name));
    Result<platform::ProcessResult> result = platform::run_process(args, "");
    EXPECT_TRUE(result.ok()) << result.error().to_string();
    return result.ok() ? *result : platform::ProcessResult{};
  }
  platform::ProcessResult xbpf(std::vector<std::string> args) {
    return run("xbpf", std::move(args));
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string capture(const std::string& name, const std::vector<Bytes>& frames) {
    std::ofstream out(path(name), std::ios::binary);
    auto writer = CaptureWriter::create(out, CaptureFormat::pcap, name);
    EXPECT_TRUE(writer->add_interface({}).ok());
    for (const Bytes& frame : frames) {
      OutputPacket packet;
      packet.data = frame;
      EXPECT_TRUE(writer->write(packet).ok());
    }
    EXPECT_TRUE(writer->finish().ok());
    return path(name);
  }
  std::vector<Bytes> packets_of(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    auto reader = CaptureReader::open(in, file);
    EXPECT_TRUE(reader.ok()) << reader.error().to_string();
    std::vector<Bytes> out;
    CapturePacket packet;
    while (reader.ok()) {
      Result<bool> next = (*reader)->next(packet);
      EXPECT_TRUE(next.ok());
      if (!next.ok() || !*next) break;
      out.emplace_back(packet.data.begin(), packet.data.end());
    }
    return out;
  }
  fs::path dir_;
};

TEST_F(XdpCli, HelpAndBadCommandLines) {
  platform::ProcessResult help = xbpf({"xdp", "run", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Usage: xbpf xdp run FILE"));
  EXPECT_THAT(xbpf({"--help"}).out, HasSubstr("xdp run FILE"));
  platform::ProcessResult attach_help = xbpf({"net", "attach", "--help"});
  EXPECT_EQ(attach_help.exit_code, 0);
  EXPECT_THAT(attach_help.out, HasSubstr("Usage: xbpf net attach xdp FILE"));
  const std::string object = actions_object().string();
  const std::string pcap = capture("in.pcap", {action_frame(2)});
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
    {{"xdp"}, "Usage"},
    {{"xdp", "attach"}, "unknown xdp command 'attach'"},
    {{"xdp", "run"}, "xdp run needs an object FILE"},
    {{"xdp", "run", object}, "xdp run needs a capture: --pcap IN"},
    {{"xdp", "run", object, "--pcap", pcap, "engine", "warp"}, "unknown engine 'warp'"},
    {{"xdp", "run", object, "--pcap", pcap, "--threads", "0"}, "--threads must be a number"},
    {{"xdp", "run", object, "--pcap", pcap, "--clock", "sundial"}, "--clock must be"},
    {{"xdp", "run", object, "--pcap", pcap, "--frobnicate"}, "unexpected argument"},
    {{"xdp", "run", object, "--pcap", path("absent.pcap")}, "absent.pcap: cannot open"},
    {{"net"}, "Usage"},
    {{"net", "detach"}, "unknown net command 'detach'"},
    {{"net", "attach", "tc", object}, "net attach supports 'xdp' only"},
    {{"net", "attach", "xdp", object}, "needs an interface: dev IFACE"},
    {{"net", "attach", "xdp", object, "dev", "a", "--forward", "b", "--deliver", "tap", "c"},
     "give --deliver tap or --forward, not both"},
    {{"net", "attach", "xdp", object, "dev", "a", "--deliver"}, "--deliver takes 'tap NAME'"},
#if defined(_WIN32)
    {{"net", "attach", "xdp", object, "dev", "xbpfnosuch0"}, "needs Linux"},
#else
    {{"net", "attach", "xdp", object, "dev", "xbpfnosuch0"}, "no interface named 'xbpfnosuch0'"},
#endif
  };
  for (const Case& c : cases) {
    platform::ProcessResult result = xbpf(c.args);
    EXPECT_EQ(result.exit_code, 2) << c.message;
    EXPECT_THAT(result.err + result.out, HasSubstr(c.message));
  }
}

TEST_F(XdpCli, RunsACaptureAndWritesThePassedPackets) {
  if (!fs::exists(actions_object())) GTEST_SKIP() << actions_object() << " is not built";
  const std::vector<Bytes> frames = {action_frame(2),    action_frame(1), action_frame(3),
                                     action_frame(5, 4), action_frame(7), Bytes(10, 0)};
  const std::string in = capture("in.pcap", frames);
  platform::ProcessResult text =
      xbpf({"xdp", "run", actions_object().string(), "--pcap", in, "--out", path("out.pcapng")});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.err, "");                              // verified: no notice, no warning
  EXPECT_THAT(text.out, HasSubstr("(1 thread, jit)"));  // the default engine
  EXPECT_THAT(text.out, HasSubstr("packets 5  bytes 320  skipped 1"));
  EXPECT_THAT(text.out, HasSubstr("-> ifindex 4"));
  EXPECT_THAT(text.out, HasSubstr("written 3 packets to"));
  EXPECT_THAT(text.out, HasSubstr("Mpps"));
  const std::vector<Bytes> written = packets_of(path("out.pcapng"));
  ASSERT_EQ(written.size(), 3u);
  EXPECT_EQ(written[0], frames[0]);
  EXPECT_EQ(written[1], frames[2]);
  EXPECT_EQ(written[2].size(), 64u + 16);

  platform::ProcessResult json = xbpf({"-j", "xdp", "run", actions_object().string(), "--pcap", in,
                                       "engine", "interp", "--dump-maps"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"packets\":5,\"bytes\":320,\"skipped\":1,\"verdicts\":{"
                                  "\"XDP_ABORTED\":0,\"XDP_DROP\":1,\"XDP_PASS\":1,\"XDP_TX\":2,"
                                  "\"XDP_REDIRECT\":1,\"unknown\":0}"));
  EXPECT_THAT(json.out, HasSubstr("\"redirects\":[{\"ifindex\":4,\"packets\":1}]"));
  EXPECT_THAT(json.out, HasSubstr("\"engine\":\"interp\""));
  EXPECT_THAT(json.out, HasSubstr("\"name\":\"per_tag\""));
}

TEST_F(XdpCli, CorruptCapturesAndFaultsAreReported) {
  if (!fs::exists(actions_object())) GTEST_SKIP() << actions_object() << " is not built";
  const std::string in = capture("in.pcap", {action_frame(2), action_frame(2), action_frame(2)});
  std::string bytes = *read_text_file(in);
  std::ofstream(path("cut.pcap"), std::ios::binary) << bytes.substr(0, bytes.size() - 5);
  platform::ProcessResult cut = xbpf({"xdp", "run", actions_object().string(), "--pcap",
                                      path("cut.pcap"), "--out", path("cut-out.pcap")});
  EXPECT_EQ(cut.exit_code, 2);
  EXPECT_THAT(cut.err, HasSubstr("cut.pcap: record 3 at byte offset 184: truncated packet data"));
  EXPECT_EQ(packets_of(path("cut-out.pcap")).size(), 2u);

  // A program that reads past its packet: the verifier refuses it, at its source line; with
  // --no-verify the checked mode stops it, naming the record.
  const fs::path fault = runtime::test::program_object("xdp_fault", 2);
  if (fs::exists(fault)) {
    platform::ProcessResult refused = xbpf({"xdp", "run", fault.string(), "--pcap", in});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_THAT(refused.err, HasSubstr("the verifier rejects xdp/xdp_fault"));
    EXPECT_THAT(refused.err, HasSubstr("xdp_fault.bpf.c:10: pc 1: read of 1 bytes at r1 + 5000"));
    platform::ProcessResult faulted =
        xbpf({"xdp", "run", fault.string(), "--pcap", in, "--no-verify"});
    EXPECT_EQ(faulted.exit_code, 1);
    EXPECT_THAT(faulted.err, HasSubstr("record 1: xdp_fault: "));
  }

  std::ofstream(path("maps.txt")) << "# a comment\nper_tag key 07 value 01 00 00 00\n";
  platform::ProcessResult bad_map = xbpf(
      {"xdp", "run", actions_object().string(), "--pcap", in, "--init-maps", path("maps.txt")});
  EXPECT_EQ(bad_map.exit_code, 2);
  EXPECT_THAT(bad_map.err,
              HasSubstr("maps.txt:2: map 'per_tag' takes a key of 1 bytes and a value of 8"));
}

TEST_F(XdpCli, TrafficGenIsDeterministicAndMixed) {
  if (!fs::exists(tool("traffic-gen"))) GTEST_SKIP() << "traffic-gen is not built";
  for (const char* name : {"a.pcap", "b.pcap"})
    ASSERT_EQ(
        run("traffic-gen", {"--seed", "7", "--packets", "100000", "--out", path(name)}).exit_code,
        0);
  ASSERT_EQ(
      run("traffic-gen", {"--seed", "8", "--packets", "2000", "--out", path("c.pcap")}).exit_code,
      0);
  const std::string a = *read_text_file(path("a.pcap")), b = *read_text_file(path("b.pcap"));
  EXPECT_TRUE(a == b) << "the same seed gave different bytes";
  EXPECT_NE(a.substr(0, 100000), read_text_file(path("c.pcap"))->substr(0, 100000));
  // The mix.
  const std::vector<Bytes> packets = packets_of(path("a.pcap"));
  ASSERT_EQ(packets.size(), 100000u);
  std::size_t runts = 0, vlan = 0, qinq = 0, ipv6_ext = 0, flood = 0, blocked = 0, arp = 0;
  for (const Bytes& p : packets) {
    if (p.size() < 14) {
      ++runts;
      continue;
    }
    std::size_t at = 12;
    std::uint16_t type = static_cast<std::uint16_t>(p[at] << 8 | p[at + 1]);
    if (type == 0x88a8) ++qinq;
    if (type == 0x8100 || type == 0x88a8) ++vlan;
    while ((type == 0x8100 || type == 0x88a8) && at + 6 <= p.size()) {
      at += 4;
      type = static_cast<std::uint16_t>(p[at] << 8 | p[at + 1]);
    }
    at += 2;
    if (type == 0x0806) ++arp;
    if (type == 0x0800 && at + 20 <= p.size()) {
      if (p[at + 12] == 198 && p[at + 13] == 51 && p[at + 14] == 100 && p[at + 15] == 66) ++flood;
      if (p[at + 12] == 203 && p[at + 13] == 0 && p[at + 14] == 113) ++blocked;
    }
    if (type == 0x86dd && at + 40 <= p.size()) {
      const std::uint8_t next = p[at + 6];
      if (next == 0 || next == 43 || next == 44 || next == 60) ++ipv6_ext;
      if (p[at + 12] == 0x0b && p[at + 13] == 0xad) ++blocked;
    }
  }
  EXPECT_GT(flood, 10000u);
  EXPECT_LT(flood, 14000u);
  EXPECT_GT(blocked, 4000u);
  EXPECT_GT(vlan, 8000u);
  EXPECT_GT(qinq, 1500u);
  EXPECT_GT(ipv6_ext, 4000u);
  EXPECT_GT(arp, 500u);
  EXPECT_GT(runts, 100u);
}

TEST_F(XdpCli, TheDemoGivesTheSameResultsOnSeveralThreads) {
  if (!fs::exists(tool("traffic-gen")) || !fs::exists(firewall_object()))
    GTEST_SKIP() << "traffic-gen or the firewall example is not built";
  ASSERT_EQ(run("traffic-gen", {"--packets", "20000", "--out", path("traffic.pcap")}).exit_code, 0);
  const std::string maps = (xbpf::test::source_dir() / "examples" / "xdp_firewall.maps").string();
  std::string first;
  for (const char* threads : {"1", "4"}) {
    const std::string out = path(std::string("passed-") + threads + ".pcapng");
    platform::ProcessResult result =
        xbpf({"-j", "xdp", "run", firewall_object().string(), "--pcap", path("traffic.pcap"),
              "--init-maps", maps, "--threads", threads, "--out", out, "engine", "interp"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const std::string counts = result.out.substr(0, result.out.find("\"elapsed_ns\""));
    EXPECT_THAT(counts, HasSubstr("\"skipped\":"));
    if (first.empty()) {
      first = counts;
      continue;
    }
    EXPECT_EQ(counts, first);
    EXPECT_TRUE(*read_text_file(out) == *read_text_file(path("passed-1.pcapng")))
        << "the outputs of 1 and 4 threads differ";
  }
  // The SYN flood and the blocklist were both at work.
  EXPECT_THAT(first, HasSubstr("\"XDP_DROP\":"));
  EXPECT_THAT(first, ::testing::Not(HasSubstr("\"XDP_DROP\":0,")));
}

}  // namespace
}  // namespace xbpf::hooks::xdp::test
