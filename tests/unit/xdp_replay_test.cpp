// Running XDP programs over captures (src/hooks/xdp/xdp_replay.h, capture_run.h): verdict
// accounting, redirect targets, head/tail/meta adjustments as written to the output, the
// interface's ifindex, the capture clock, several workers against one, and the errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "hooks/xdp/capture_run.h"
#include "hooks/xdp/frame_ring.h"
#include "xdp_test_util.h"

namespace xbpf::hooks::xdp::test {
namespace {

using ::testing::HasSubstr;

class XdpReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(actions_object()))
      GTEST_SKIP() << actions_object() << " is not built (clang missing?)";
    Result<runtime::test::XbpfObject> loaded = runtime::test::load_xbpf(actions_object(), 8);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    object_ = std::move(*loaded);
    program_ = object_.object->find_program("xdp_actions");
    ASSERT_NE(program_, nullptr);
    const std::uint32_t key = 3, ifindex = 7;
    ASSERT_EQ(map_named(*object_.object, "devices").user_update(&key, &ifindex, 0), 0);
  }

  // Runs `frames` through run_capture (pcap in, pcapng out) and reads the output back.
  struct Outcome {
    CaptureRunSummary summary;
    std::vector<Bytes> written;
    std::vector<std::string> comments;
    std::vector<std::uint32_t> original_lengths;
  };
  Outcome run(const std::vector<Bytes>& frames, ReplayOptions replay = {},
              CaptureFormat out_format = CaptureFormat::pcapng) {
    std::ostringstream in_bytes;
    auto in_writer = CaptureWriter::create(in_bytes, CaptureFormat::pcap, "in", true);
    EXPECT_TRUE(in_writer->add_interface({}).ok());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      OutputPacket packet;
      packet.data = frames[i];
      packet.timestamp_ns = 1'700'000'000'000'000'000ull + i * 1000;
      packet.original_length = static_cast<std::uint32_t>(frames[i].size() + 4);  // snaplen'd
      EXPECT_TRUE(in_writer->write(packet).ok());
    }
    std::istringstream in(in_bytes.str());
    Result<std::unique_ptr<CaptureReader>> reader = CaptureReader::open(in, "in");
    EXPECT_TRUE(reader.ok());
    std::ostringstream out;
    auto writer = CaptureWriter::create(out, out_format, "out");
    CaptureRunOptions options;
    options.replay = replay;
    options.batch = 7;  // several batches
    Result<CaptureRunSummary> summary = run_capture(*program_, **reader, writer.get(), options);
    EXPECT_TRUE(summary.ok()) << summary.error().to_string();
    Outcome outcome;
    if (!summary.ok()) return outcome;
    outcome.summary = *summary;
    std::istringstream back(out.str());
    Result<std::unique_ptr<CaptureReader>> written = CaptureReader::open(back, "out");
    EXPECT_TRUE(written.ok()) << written.error().to_string();
    CapturePacket packet;
    while (written.ok()) {
      Result<bool> next = (*written)->next(packet);
      EXPECT_TRUE(next.ok());
      if (!next.ok() || !*next) break;
      outcome.written.emplace_back(packet.data.begin(), packet.data.end());
      outcome.comments.push_back(packet.comment);
      outcome.original_lengths.push_back(packet.original_length);
    }
    return outcome;
  }

  runtime::test::XbpfObject object_;
  const runtime::LoadedProgram* program_ = nullptr;
};

TEST_F(XdpReplayTest, CountsEveryVerdictAndRedirectTarget) {
  std::vector<Bytes> frames;
  const std::uint8_t actions[] = {0, 1, 1, 2, 3, 4, 5, 5, 6, 6, 13, 2, 2};
  const std::uint8_t args[] = {0, 0, 0, 0, 0, 0, 9, 9, 3, 5, 0, 0, 0};
  for (std::size_t i = 0; i < sizeof actions; ++i)
    frames.push_back(action_frame(actions[i], args[i]));
  frames.push_back(Bytes(13, 0xff));  // a runt
  frames.push_back(Bytes(60, 0x01));  // not 0x88b5: passes
  const Outcome outcome = run(frames);
  const VerdictCounts& c = outcome.summary.counts;
  EXPECT_EQ(c.packets, 14u);
  EXPECT_EQ(c.skipped, 1u);
  EXPECT_EQ(c.aborted, 1u);
  EXPECT_EQ(c.drop, 3u);  // two XDP_DROP, and bpf_redirect_map's fallback for key 5
  EXPECT_EQ(c.pass, 4u);
  EXPECT_EQ(c.tx, 1u);
  EXPECT_EQ(c.redirect, 4u);
  EXPECT_EQ(c.unknown, 1u);
  const std::map<std::uint32_t, std::uint64_t> targets = {{0, 1}, {7, 1}, {9, 2}};
  EXPECT_EQ(c.redirect_targets, targets);
  EXPECT_EQ(c.bytes, 13 * 64 + 60u);
  // XDP_PASS and XDP_TX are written, in order, with their verdict.
  ASSERT_EQ(outcome.written.size(), 5u);
  EXPECT_EQ(outcome.summary.written, 5u);
  EXPECT_EQ(outcome.written[0], frames[3]);
  EXPECT_EQ(outcome.comments[0], "XDP_PASS");
  EXPECT_EQ(outcome.written[1], frames[4]);
  EXPECT_EQ(outcome.comments[1], "XDP_TX");
  EXPECT_EQ(outcome.written[4], frames[14]);
  EXPECT_EQ(outcome.original_lengths[0], 64u + 4);
}

TEST_F(XdpReplayTest, AdjustmentsReachTheOutput) {
  const Bytes frame = action_frame(7);
  const std::vector<Bytes> frames = {action_frame(7),      action_frame(8),  action_frame(9, 10),
                                     action_frame(10, 20), action_frame(11), action_frame(12)};
  const Outcome outcome = run(frames);
  ASSERT_EQ(outcome.written.size(), 6u);
  // adjust_head(-16): 16 bytes of 0xaa in front, sent back out (XDP_TX).
  Bytes grown(16 + frame.size(), 0xaa);
  std::copy(frame.begin(), frame.end(), grown.begin() + 16);
  EXPECT_EQ(outcome.written[0], grown);
  EXPECT_EQ(outcome.comments[0], "XDP_TX");
  EXPECT_EQ(outcome.original_lengths[0], 80u + 4);
  // adjust_head(14): the Ethernet header gone.
  EXPECT_EQ(outcome.written[1], Bytes(frames[1].begin() + 14, frames[1].end()));
  // adjust_tail(-10) and adjust_tail(+20) (the new bytes zeroed).
  EXPECT_EQ(outcome.written[2], Bytes(frames[2].begin(), frames[2].end() - 10));
  Bytes longer = frames[3];
  longer.resize(longer.size() + 20, 0);
  EXPECT_EQ(outcome.written[3], longer);
  // adjust_meta(-8): the metadata is not part of the packet, but the program copied it in
  // (0x11223344, then ingress_ifindex 1).
  Bytes with_meta = frames[4];
  const std::uint8_t meta[8] = {0x44, 0x33, 0x22, 0x11, 1, 0, 0, 0};
  std::memcpy(&with_meta[16], meta, 8);
  EXPECT_EQ(outcome.written[4], with_meta);
  // ingress_ifindex 1 (pcap's interface), rx_queue_index 0.
  Bytes indexes = frames[5];
  const std::uint8_t fields[8] = {1, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(&indexes[16], fields, 8);
  EXPECT_EQ(outcome.written[5], indexes);
}

TEST_F(XdpReplayTest, JumboFramesUseFragmentsAndHugeOnesAreAnError) {
  // 9000 bytes: 3520 in the frame, the rest in fragments; adjust_tail works on the last one.
  const std::vector<Bytes> frames = {action_frame(2, 0, 9000), action_frame(9, 100, 9000)};
  const Outcome outcome = run(frames);
  ASSERT_EQ(outcome.written.size(), 2u);
  EXPECT_EQ(outcome.written[0], frames[0]);
  EXPECT_EQ(outcome.written[1], Bytes(frames[1].begin(), frames[1].end() - 100));

  Result<std::unique_ptr<XdpReplay>> replay = XdpReplay::create(*program_, {});
  ASSERT_TRUE(replay.ok());
  PacketSet set;
  set.frames = {action_frame(2), action_frame(2, 0, 200'000)};
  std::vector<PacketResult> results;
  const Status status = (*replay)->run(set.packets(), results);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().to_string(), HasSubstr("record 2: a packet of 200000 bytes"));
}

TEST_F(XdpReplayTest, TheInterfaceGivesTheIfindex) {
  std::ostringstream bytes;
  auto writer = CaptureWriter::create(bytes, CaptureFormat::pcapng, "in");
  ASSERT_TRUE(writer->add_interface({kLinkTypeEthernet, 0, "eth0", ""}).ok());
  ASSERT_TRUE(writer->add_interface({kLinkTypeEthernet, 0, "eth1", ""}).ok());
  ASSERT_TRUE(writer->add_interface({kLinkTypeEthernet, 0, "eth2", ""}).ok());
  const Bytes frame = action_frame(12);
  for (std::uint32_t interface : {2u, 0u, 1u}) {
    OutputPacket packet;
    packet.interface = interface;
    packet.data = frame;
    ASSERT_TRUE(writer->write(packet).ok());
  }
  std::istringstream in(bytes.str());
  auto reader = CaptureReader::open(in, "in");
  ASSERT_TRUE(reader.ok());
  std::ostringstream out;
  auto output = CaptureWriter::create(out, CaptureFormat::pcapng, "out");
  ASSERT_TRUE(run_capture(*program_, **reader, output.get(), {}).ok());
  std::istringstream back(out.str());
  auto written = CaptureReader::open(back, "out");
  ASSERT_TRUE(written.ok());
  CapturePacket packet;
  for (std::uint32_t expected : {3u, 1u, 2u}) {
    ASSERT_TRUE(*(*written)->next(packet));
    EXPECT_EQ(packet.data[16], expected);
    EXPECT_EQ(packet.interface, expected - 1);  // written on the interface it came from
  }
  EXPECT_EQ((*written)->interfaces().size(), 3u);
  EXPECT_EQ((*written)->interfaces()[1].name, "eth1");
}

TEST_F(XdpReplayTest, TheCaptureClockIsThePacketsTimestamp) {
  const std::vector<Bytes> frames = {action_frame(14), action_frame(14)};
  Outcome capture = run(frames);
  ASSERT_EQ(capture.written.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    std::uint64_t now;
    std::memcpy(&now, &capture.written[i][16], 8);
    EXPECT_EQ(now, 1'700'000'000'000'000'000ull + i * 1000);
  }
  ReplayOptions system;
  system.capture_clock = false;
  Outcome real = run(frames, system);
  ASSERT_EQ(real.written.size(), 2u);
  std::uint64_t now;
  std::memcpy(&now, &real.written[0][16], 8);
  EXPECT_LT(now, 1'600'000'000'000'000'000ull);  // the monotonic clock, not 2023
}

TEST_F(XdpReplayTest, WorkersGiveTheSingleThreadedResults) {
  std::vector<Bytes> frames;
  std::uint32_t state = 12345;
  auto next = [&state] { return state = state * 1103515245 + 12345, (state >> 16) & 0x7fff; };
  const std::uint8_t actions[] = {1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 13};
  for (int i = 0; i < 3000; ++i) {
    Bytes frame =
        action_frame(actions[next() % sizeof actions], static_cast<std::uint8_t>(next() % 8),
                     64 + next() % 200, static_cast<std::uint8_t>(next() % 50));
    frame[6 + next() % 6] = static_cast<std::uint8_t>(next());  // spread the source MACs
    frames.push_back(frame);
  }
  const Outcome single = run(frames, {vm::Engine::checked, 1});
  auto maps_after = [this] {
    return std::pair{map_contents(map_named(*object_.object, "per_tag")),
                     map_contents(map_named(*object_.object, "runs"), true, 8)};
  };
  const auto single_maps = maps_after();
  auto clear_maps = [this] {
    for (const char* name : {"per_tag", "runs"}) {
      runtime::Map& map = map_named(*object_.object, name);
      for (const auto& entry : map_contents(map)) {
        if (map.type() == runtime::MapType::percpu_array) {
          const Bytes zero(map.user_value_size(), 0);
          ASSERT_EQ(map.user_update(entry.first.data(), zero.data(), 0), 0);
        } else {
          ASSERT_EQ(map.user_delete(entry.first.data()), 0);
        }
      }
    }
  };
  for (unsigned threads : {2u, 3u, 8u}) {
    SCOPED_TRACE(std::to_string(threads) + " workers");
    clear_maps();
    const Outcome several = run(frames, {vm::Engine::interpreter, threads});
    EXPECT_EQ(several.summary.counts, single.summary.counts);
    EXPECT_EQ(several.summary.threads, threads);
    EXPECT_EQ(several.written, single.written);
    EXPECT_EQ(several.comments, single.comments);
    EXPECT_EQ(maps_after(), single_maps);
  }
  // The per-CPU counter was spread over the workers' CPUs.
  runtime::Map& runs = map_named(*object_.object, "runs");
  Bytes value(runs.user_value_size());
  const std::uint32_t zero = 0;
  ASSERT_EQ(runs.user_lookup(&zero, value.data(), 0), 0);
  unsigned used = 0;
  for (unsigned cpu = 0; cpu < 8; ++cpu) {
    std::uint64_t count;
    std::memcpy(&count, value.data() + cpu * 8, 8);
    used += count != 0;
  }
  EXPECT_EQ(used, 8u);
}

TEST_F(XdpReplayTest, CorruptCapturesStopAfterTheGoodPackets) {
  std::ostringstream bytes;
  auto writer = CaptureWriter::create(bytes, CaptureFormat::pcap, "in");
  ASSERT_TRUE(writer->add_interface({}).ok());
  const Bytes frame = action_frame(2);
  for (int i = 0; i < 10; ++i) {
    OutputPacket packet;
    packet.data = frame;
    ASSERT_TRUE(writer->write(packet).ok());
  }
  const std::string whole = bytes.str();
  const std::string cut = whole.substr(0, whole.size() - 30);  // record 10 cut short
  std::istringstream in(cut);
  auto reader = CaptureReader::open(in, "in.pcap");
  ASSERT_TRUE(reader.ok());
  std::ostringstream out;
  auto output = CaptureWriter::create(out, CaptureFormat::pcap, "out");
  CaptureRunOptions options;
  options.batch = 4;
  Result<CaptureRunSummary> summary = run_capture(*program_, **reader, output.get(), options);
  ASSERT_FALSE(summary.ok());
  EXPECT_THAT(summary.error().to_string(),
              HasSubstr("in.pcap: record 10 at byte offset " + std::to_string(24 + 9 * 80) +
                        ": truncated packet data"));
  std::istringstream back(out.str());
  auto written = CaptureReader::open(back, "out");
  ASSERT_TRUE(written.ok());
  CapturePacket packet;
  int count = 0;
  for (;;) {
    Result<bool> more = (*written)->next(packet);
    ASSERT_TRUE(more.ok()) << "the output ends in a partial packet";
    if (!*more) break;
    EXPECT_EQ(Bytes(packet.data.begin(), packet.data.end()), frame);
    ++count;
  }
  EXPECT_EQ(count, 9);
}

TEST_F(XdpReplayTest, NonEthernetCapturesAreRefused) {
  std::ostringstream bytes;
  auto writer = CaptureWriter::create(bytes, CaptureFormat::pcapng, "in");
  ASSERT_TRUE(writer->add_interface({}).ok());
  ASSERT_TRUE(writer->add_interface({113, 0, "any", ""}).ok());
  const Bytes frame = action_frame(2);
  for (std::uint32_t interface : {0u, 1u}) {
    OutputPacket packet;
    packet.interface = interface;
    packet.data = frame;
    ASSERT_TRUE(writer->write(packet).ok());
  }
  std::istringstream in(bytes.str());
  auto reader = CaptureReader::open(in, "in");
  ASSERT_TRUE(reader.ok());
  Result<CaptureRunSummary> summary = run_capture(*program_, **reader, nullptr, {});
  ASSERT_FALSE(summary.ok());
  EXPECT_THAT(summary.error().to_string(),
              HasSubstr("interface 1 (any) has link type LINUX_SLL (113); XDP programs receive "
                        "Ethernet frames"));
}

// The same packets copied into the worker's frame and run in place in a FrameRing: the same
// verdicts, redirect targets and output, the tailroom included (a 3,500-byte packet may grow
// by 20 bytes, not 21, in both), jumbo frames and runts too.
TEST_F(XdpReplayTest, FramesInPlaceGiveTheCopiesResults) {
  PacketSet set;
  const std::uint8_t actions[] = {0, 1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13, 14};
  const std::uint8_t args[] = {0, 0, 0, 0, 0, 9, 3, 5, 0, 0, 10, 20, 0, 0, 0, 0};
  for (std::size_t size : {64, 1500, 3520, 9000}) {
    for (std::size_t i = 0; i < sizeof actions; ++i)
      set.frames.push_back(action_frame(actions[i], args[i], size));
  }
  set.frames.push_back(action_frame(10, 20, 3500));
  set.frames.push_back(action_frame(10, 21, 3500));
  set.frames.push_back(Bytes(13, 0xff));   // a runt
  set.frames.push_back(Bytes(600, 0x01));  // not 0x88b5: passes
  const std::vector<ReplayPacket> packets = set.packets();
  FrameRing ring;
  ASSERT_TRUE(ring.assign(packets).ok());
  ReplayOptions options;
  options.keep_output = true;
  for (vm::Engine engine : {vm::Engine::checked, vm::Engine::interpreter}) {
    SCOPED_TRACE(std::string(vm::engine_name(engine)));
    options.engine = engine;
    Result<std::unique_ptr<XdpReplay>> copying = XdpReplay::create(*program_, options);
    Result<std::unique_ptr<XdpReplay>> in_place = XdpReplay::create(*program_, options);
    ASSERT_TRUE(copying.ok() && in_place.ok());
    std::vector<PacketResult> copied, placed;
    ASSERT_TRUE((*copying)->run(packets, copied).ok());
    ASSERT_TRUE(ring.assign(packets).ok());  // the originals again (the program writes some)
    ASSERT_TRUE((*in_place)->run(ring, placed).ok());
    ASSERT_EQ(placed.size(), copied.size());
    for (std::size_t i = 0; i < copied.size(); ++i) {
      SCOPED_TRACE("packet " + std::to_string(i));
      EXPECT_EQ(placed[i].ran, copied[i].ran);
      EXPECT_EQ(placed[i].retval, copied[i].retval);
      EXPECT_EQ(placed[i].redirect_ifindex, copied[i].redirect_ifindex);
      EXPECT_EQ(placed[i].output, copied[i].output);
    }
    EXPECT_EQ((*in_place)->counts(), (*copying)->counts());
    const std::size_t last = copied.size() - 3;
    EXPECT_EQ(copied[last - 1].retval, kXdpPass);  // grown to the end of the tailroom
    EXPECT_EQ(copied[last].retval, kXdpAborted);   // one byte past it
  }
}

// In place, the program's writes land in the ring's frames; the copying path leaves the
// packets alone. A second run starts from each packet's place in its frame again.
TEST_F(XdpReplayTest, FramesInPlaceKeepTheProgramsChanges) {
  PacketSet set;
  set.frames = {action_frame(12), action_frame(7), action_frame(2)};
  const std::vector<ReplayPacket> packets = set.packets();
  FrameRing ring;
  ASSERT_TRUE(ring.assign(packets).ok());
  ReplayOptions options;
  options.keep_output = true;
  Result<std::unique_ptr<XdpReplay>> replay = XdpReplay::create(*program_, options);
  ASSERT_TRUE(replay.ok());
  std::vector<PacketResult> results;
  ASSERT_TRUE((*replay)->run(packets, results).ok());
  EXPECT_EQ(set.frames[0], action_frame(12));
  for (int pass = 0; pass < 2; ++pass) {
    ASSERT_TRUE((*replay)->run(ring, results).ok());
    Bytes indexes = set.frames[0];
    const std::uint8_t fields[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(&indexes[16], fields, 8);
    EXPECT_EQ(Bytes(ring.packet(0).data.begin(), ring.packet(0).data.end()), indexes);
    EXPECT_EQ(results[0].output, indexes);
    // adjust_head(-16) wrote into the headroom, in front of the packet's place.
    ASSERT_EQ(results[1].retval, kXdpTx);
    EXPECT_EQ(results[1].output.size(), set.frames[1].size() + 16);
    EXPECT_EQ(Bytes(ring.packet(1).data.begin(), ring.packet(1).data.end()), set.frames[1]);
  }
}

// Frames are a page (and a line) apart below 4 GiB, the packet at the standard headroom;
// jumbo frames are kept aside; growing the ring moves the packets along.
TEST(FrameRingTest, LaysPacketsOutInFrames) {
  std::vector<Bytes> frames;
  for (std::size_t i = 0; i < 300; ++i) {
    const std::size_t size = i % 50 == 7 ? 5000 + i : i % 3 == 0 ? 0 : 14 + i * 11;
    Bytes frame(size);
    for (std::size_t at = 0; at < size; ++at) frame[at] = static_cast<std::uint8_t>(at * 7 + i);
    frames.push_back(frame);
  }
  FrameRing ring;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    ReplayPacket packet;
    packet.data = frames[i];
    packet.ifindex = static_cast<std::uint32_t>(i % 4 + 1);
    packet.timestamp_ns = i * 1000;
    packet.record = i + 1;
    ASSERT_TRUE(ring.add(packet).ok());
  }
  ASSERT_EQ(ring.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE("packet " + std::to_string(i));
    const ReplayPacket& packet = ring.packet(i);
    EXPECT_EQ(Bytes(packet.data.begin(), packet.data.end()), frames[i]);
    EXPECT_NE(packet.data.data(), frames[i].data());
    EXPECT_EQ(packet.ifindex, i % 4 + 1);
    EXPECT_EQ(packet.timestamp_ns, i * 1000);
    EXPECT_EQ(packet.record, i + 1);
    std::uint8_t* frame = ring.frame(i);
    if (frames[i].size() > runtime::kXdpMaxLinear) {
      EXPECT_EQ(frame, nullptr);
      continue;
    }
    ASSERT_NE(frame, nullptr);
    EXPECT_EQ(frame + runtime::kXdpHeadroom, packet.data.data());
    EXPECT_LT(reinterpret_cast<std::uintptr_t>(frame) + runtime::kXdpFrameSize,
              std::uintptr_t{1} << 32);
    if (i > 0) {
      EXPECT_EQ(frame - ring.frame(0), static_cast<std::ptrdiff_t>(i * FrameRing::kStride));
    }
  }
  ring.clear();
  EXPECT_TRUE(ring.empty());
}

TEST_F(XdpReplayTest, OnlyXdpProgramsAndEnoughCpus) {
  ReplayOptions options;
  options.threads = 9;
  Result<std::unique_ptr<XdpReplay>> replay = XdpReplay::create(*program_, options);
  ASSERT_FALSE(replay.ok());
  EXPECT_THAT(replay.error().to_string(), HasSubstr("9 workers need as many CPUs"));
}

}  // namespace
}  // namespace xbpf::hooks::xdp::test
