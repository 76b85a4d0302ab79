// The capture path against Linux: every packet of a small capture runs through xbpf's replay
// (tests/unit/xdp_test_util.h) and through BPF_PROG_TEST_RUN in the kernel, in the same order
// on the same object; the verdicts, the output bytes (XDP_PASS and XDP_TX) and the maps after
// the run must match. Programs: the demo firewall and tests/programs/xdp_actions.bpf.c.
// Skipped, with the reason, where the kernel cannot run eBPF (not root, no bpf(), Windows).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>

#include "xdp_test_util.h"

#if defined(XBPF_HAVE_KERNEL_ORACLE)
#include "platform/linux/kernel_bpf.h"
#include "platform/platform.h"
#endif

namespace xbpf::hooks::xdp::test {
namespace {

#if defined(XBPF_HAVE_KERNEL_ORACLE)

namespace kernel = platform::kernel;

std::array<std::uint8_t, 16> address6(std::uint16_t g2, std::uint16_t last) {
  std::array<std::uint8_t, 16> out{0x20, 0x01, 0x0d, 0xb8};
  out[4] = static_cast<std::uint8_t>(g2 >> 8);
  out[5] = static_cast<std::uint8_t>(g2);
  out[14] = static_cast<std::uint8_t>(last >> 8);
  out[15] = static_cast<std::uint8_t>(last);
  return out;
}

std::vector<Bytes> firewall_capture() {
  std::vector<Bytes> frames;
  for (std::uint8_t i = 0; i < 12; ++i) {
    const std::array<std::uint8_t, 4> source{10, 1, 0, static_cast<std::uint8_t>(1 + i % 4)};
    frames.push_back(FrameBuilder().ethernet(0x0800).ipv4(source, 17, 8u + i).udp(i).bytes());
    frames.push_back(FrameBuilder()
                         .ethernet(0x0800, i % 2 ? std::vector<std::uint16_t>{0x8100}
                                                 : std::vector<std::uint16_t>{0x88a8, 0x8100})
                         .ipv4(source, 6, 20u + i, i % 3 * 4)
                         .tcp(i % 5 ? kTcpAck : kTcpSyn, i)
                         .bytes());
    frames.push_back(
        FrameBuilder()
            .ethernet(0x86dd)
            .ipv6(address6(i % 3 == 0 ? 0xbad : 1, i), 6, 20,
                  i % 2 ? std::vector<std::pair<std::uint8_t, std::size_t>>{{0, 8}, {43, 16}}
                        : std::vector<std::pair<std::uint8_t, std::size_t>>{{44, 8}})
            .tcp(kTcpSyn)
            .bytes());
    frames.push_back(FrameBuilder().ethernet(0x0800).ipv4({203, 0, 113, i}, 17, 8).udp().bytes());
  }
  // A SYN flood well past the burst (the kernel's clock moves little between test runs).
  for (int i = 0; i < 40; ++i)
    frames.push_back(
        FrameBuilder().ethernet(0x0800).ipv4({198, 51, 100, 66}, 6, 20).tcp(kTcpSyn).bytes());
  // Malformed frames and ARP.
  frames.push_back(FrameBuilder().ethernet(0x0800).raw(10, 0x45).bytes());
  frames.push_back(FrameBuilder().ethernet(0x0800, {0x8100, 0x8100, 0x8100}).raw(40, 0).bytes());
  frames.push_back(FrameBuilder().ethernet(0x0806).raw(46, 0).bytes());
  return frames;
}

std::vector<Bytes> actions_capture() {
  std::vector<Bytes> frames;
  const std::pair<std::uint8_t, std::uint8_t> actions[] = {
      {0, 0}, {1, 0}, {2, 0},   {3, 0},  {5, 1},  {6, 3},  {6, 5}, {7, 0},
      {8, 0}, {9, 9}, {10, 30}, {11, 0}, {12, 0}, {13, 0}, {99, 0}};
  for (const auto& [action, arg] : actions) {
    frames.push_back(action_frame(action, arg, 64, action));
    frames.push_back(action_frame(action, arg, 1400, action));
  }
  return frames;
}

struct Case {
  std::string name;
  std::filesystem::path object;
  std::string program;
  std::vector<Bytes> frames;
};

class XdpKernelDiff : public ::testing::TestWithParam<int> {};

// Fills the maps the programs need from user space, the same way on both sides.
template <class Update>
void fill_maps(const std::string& program, Update update) {
  if (program == "xdp_firewall") {
    const std::uint8_t v4_key[8] = {24, 0, 0, 0, 203, 0, 113, 0};
    std::uint8_t v6_key[20] = {48, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad};
    const std::uint32_t rule = 1;
    update("blocklist_v4", v4_key, &rule);
    update("blocklist_v6", v6_key, &rule);
  } else {
    const std::uint32_t key = 3, ifindex = 1;  // lo: the kernel wants a real device
    update("devices", &key, &ifindex);
  }
}

TEST(XdpKernelDiff, CapturesRunAsInTheKernel) {
  if (!kernel::kernel_bpf_available())
    GTEST_SKIP() << "the kernel cannot run eBPF here: " << kernel::kernel_bpf_unavailable_reason();
  const std::vector<Case> cases = {
      {"firewall", firewall_object(), "xdp_firewall", firewall_capture()},
      {"actions", actions_object(), "xdp_actions", actions_capture()}};
  const unsigned cpu = kernel::first_allowed_cpu();
  for (const Case& c : cases) {
    if (!std::filesystem::exists(c.object)) GTEST_SKIP() << c.object << " is not built";
  }
  // One run of a case on both sides; `slowest` gets the longest time one packet took on both.
  const auto run_case = [&](const Case& c, std::uint64_t& slowest) {
    Result<runtime::test::XbpfObject> ours =
        runtime::test::load_xbpf(c.object, kernel::possible_cpus());
    ASSERT_TRUE(ours.ok()) << ours.error().to_string();
    Result<kernel::KernelObject> theirs = kernel::KernelObject::open_and_load(c.object.string());
    ASSERT_TRUE(theirs.ok()) << theirs.error().to_string();
    fill_maps(c.program, [&](const char* name, const void* key, const void* value) {
      ASSERT_EQ(map_named(*ours->object, name).user_update(key, value, 0), 0);
      std::optional<kernel::KernelMap> map = theirs->map(name);
      ASSERT_TRUE(map);
      ASSERT_EQ(map->update(key, value, 0), 0);
    });
    const runtime::LoadedProgram* program = ours->object->find_program(c.program);
    ASSERT_NE(program, nullptr);

    PacketSet set;
    set.frames = c.frames;
    const std::vector<ReplayPacket> packets = set.packets();
    ReplayOptions options;
    options.keep_output = true;
    options.threads = 1;
    Result<std::unique_ptr<XdpReplay>> replay = XdpReplay::create(*program, options);
    ASSERT_TRUE(replay.ok());
    std::vector<PacketResult> results;
    // Packet by packet, alternating with the kernel: the SYN limiter's clock then moves
    // little on either side.
    for (std::size_t i = 0; i < packets.size(); ++i) {
      const std::uint64_t start = platform::monotonic_ns();
      std::vector<PacketResult> one;
      ASSERT_TRUE((*replay)->run(std::span(packets).subspan(i, 1), one).ok());
      kernel::TestRunOptions run;
      run.data_in = c.frames[i];
      run.data_out_size = 8192;
      // A context (data_end = the whole packet), for ctx_out's metadata length.
      const std::uint32_t md[6] = {0, static_cast<std::uint32_t>(c.frames[i].size()), 0, 0, 0, 0};
      run.ctx_in.assign(reinterpret_cast<const std::uint8_t*>(md),
                        reinterpret_cast<const std::uint8_t*>(md) + sizeof md);
      run.ctx_out_size = 24;
      run.pin_cpu = static_cast<int>(cpu);
      const kernel::TestRunResult expected = theirs->test_run(c.program, run);
      ASSERT_EQ(expected.error, 0) << "packet " << i;
      EXPECT_EQ(one[0].retval, expected.retval) << "packet " << i;
      if (expected.retval == kXdpPass || expected.retval == kXdpTx) {
        // The kernel's data_out starts at data_meta; ctx_out's data is the metadata length.
        std::uint32_t meta = 0;
        if (expected.ctx_out.size() >= 4) std::memcpy(&meta, expected.ctx_out.data(), 4);
        ASSERT_LE(meta, expected.data_out.size());
        const Bytes packet(expected.data_out.begin() + meta, expected.data_out.end());
        EXPECT_EQ(one[0].output, packet) << "packet " << i;
      }
      slowest = std::max(slowest, platform::monotonic_ns() - start);
    }
    // The maps afterwards (per-CPU values summed: xbpf ran on CPU 0, the kernel on `cpu`).
    for (const runtime::LoadedMap& map : ours->object->maps()) {
      if (map.origin != object::MapOrigin::btf) continue;
      if (map.map->type() == runtime::MapType::devmap) continue;
      std::optional<kernel::KernelMap> theirs_map = theirs->map(map.name);
      ASSERT_TRUE(theirs_map) << map.name;
      const bool per_cpu = map.map->type() == runtime::MapType::percpu_array;
      const auto mine = map_contents(*map.map, per_cpu, kernel::possible_cpus());
      std::map<Bytes, Bytes> kernels;
      for (auto& [key, value] : theirs_map->entries()) {
        if (per_cpu) {
          Bytes sum(8, 0);
          std::uint64_t total = 0;
          for (std::size_t at = 0; at + 8 <= value.size(); at += 8) {
            std::uint64_t v;
            std::memcpy(&v, value.data() + at, 8);
            total += v;
          }
          std::memcpy(sum.data(), &total, 8);
          value = sum;
        }
        kernels[key] = value;
      }
      if (map.name == "syn_buckets") {
        // Time credits differ (two clocks); the sources with a bucket must not.
        EXPECT_EQ(mine.size(), kernels.size()) << map.name;
        continue;
      }
      EXPECT_EQ(mine, kernels) << map.name;
    }
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // A kernel configured without a helper the program calls cannot be the oracle for it.
    if (Result<kernel::KernelObject> probe = kernel::KernelObject::open_and_load(c.object.string());
        !probe && probe.error().linux_errno == EOPNOTSUPP) {
      std::printf("[ skipped  ] %s: %s\n", c.name.c_str(), probe.error().message.c_str());
      continue;
    }
    // The firewall's SYN limiter refills by the clock, a SYN per 10 ms past its burst: a pause
    // that long between the two sides' runs of a packet (a loaded machine) moves a verdict.
    // Such a run is done again, up to three times; failures of any other run are reported.
    for (int attempt = 1;; ++attempt) {
      ::testing::TestPartResultArray failures;
      std::uint64_t slowest = 0;
      {
        ::testing::ScopedFakeTestPartResultReporter intercept(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
        run_case(c, slowest);
      }
      if (failures.size() == 0) break;
      if (attempt < 3 && slowest > 5'000'000) continue;
      for (int i = 0; i < failures.size(); ++i) {
        const ::testing::TestPartResult& failure = failures.GetTestPartResult(i);
        ADD_FAILURE_AT(failure.file_name() ? failure.file_name() : __FILE__, failure.line_number())
            << failure.message() << " (attempt " << attempt << ", slowest packet " << slowest
            << " ns)";
      }
      break;
    }
  }
}

#else

TEST(XdpKernelDiff, CapturesRunAsInTheKernel) { GTEST_SKIP() << "the kernel oracle is Linux only"; }

#endif

}  // namespace
}  // namespace xbpf::hooks::xdp::test
