// The demo firewall (examples/xdp_firewall.bpf.c) over the demo capture (traffic-gen, seed 1,
// 100,000 packets), packets already in memory, one worker: Mpps and ns per packet for each
// engine. Each iteration runs the whole capture through hooks::xdp::XdpReplay (frame set-up,
// xdp_md, the program, the verdict), as `xbpf xdp run` does without reading and writing files.
// The maps keep their state from one iteration to the next (the talkers and SYN buckets are
// then warm, as on a long-running datapath); the first iteration is the cold one.
//
// "Already in memory" means what a NIC's DMA leaves: the packets laid out once, before the
// timing, in their XDP frames (a hooks::xdp::FrameRing), which each iteration runs in place,
// as `xbpf xdp run` does. The programs here do not write to packets, so every iteration sees
// the capture as it was; the benchmark checks that afterwards. The `_copy` entries run the
// older path for comparison: the packets in a plain array, each copied into the worker's
// frame (XdpBuffer::reset) before it runs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>

#include "hooks/xdp/capture.h"
#include "hooks/xdp/frame_ring.h"
#include "hooks/xdp/xdp_replay.h"
#include "object/object.h"
#include "platform/platform.h"
#include "runtime/runtime.h"
#include "support/files.h"

namespace {

using namespace xbpf;
namespace fs = std::filesystem;

struct Demo {
  std::vector<std::vector<std::uint8_t>> frames;
  std::vector<hooks::xdp::ReplayPacket> packets;
  std::string skip;
};

const Demo& demo() {
  static const Demo loaded = [] {
    Demo d;
    const fs::path capture = fs::path(XBPF_BENCH_BINARY_DIR) / "demo" / "bench-traffic.pcap";
    const std::string generator = std::string(XBPF_BENCH_BINARY_DIR) + "/bin/traffic-gen";
    Result<platform::ProcessResult> made = platform::run_process(
        {generator, "--seed", "1", "--packets", "100000", "--out", capture.string()}, "");
    if (!made.ok() || made->exit_code != 0) {
      d.skip = "cannot run " + generator;
      return d;
    }
    std::ifstream in(capture, std::ios::binary);
    auto reader = hooks::xdp::CaptureReader::open(in, capture.string());
    if (!reader.ok()) {
      d.skip = reader.error().to_string();
      return d;
    }
    hooks::xdp::CapturePacket packet;
    std::vector<std::uint64_t> stamps;
    while (true) {
      Result<bool> next = (*reader)->next(packet);
      if (!next.ok() || !*next) break;
      d.frames.emplace_back(packet.data.begin(), packet.data.end());
      stamps.push_back(packet.timestamp_ns);
    }
    for (std::size_t i = 0; i < d.frames.size(); ++i) {
      hooks::xdp::ReplayPacket replay;
      replay.data = d.frames[i];
      replay.timestamp_ns = stamps[i];
      replay.record = i + 1;
      d.packets.push_back(replay);
    }
    return d;
  }();
  return loaded;
}

enum class Frames { in_place, copied };

// Runs `program` of `object_path` over the demo capture (with the demo blocklist if asked).
void replay(benchmark::State& state, const std::string& object_path, const char* program,
            vm::Engine engine, bool blocklist, Frames frames, std::size_t limit = SIZE_MAX) {
  const Demo& d = demo();
  if (!d.skip.empty()) {
    state.SkipWithError(d.skip.c_str());
    return;
  }
  Result<std::vector<std::uint8_t>> bytes = read_file(object_path);
  if (!bytes.ok()) {
    state.SkipWithError((object_path + " is not built").c_str());
    return;
  }
  Result<object::Object> object = object::read_object(std::move(*bytes), object_path);
  if (!object.ok()) {
    state.SkipWithError(object.error().to_string().c_str());
    return;
  }
  runtime::Runtime runtime;
  Result<std::shared_ptr<runtime::LoadedObject>> loaded = runtime.load(std::move(*object));
  if (!loaded.ok()) {
    state.SkipWithError(loaded.error().to_string().c_str());
    return;
  }
  if (blocklist) {  // the demo's (examples/xdp_firewall.maps)
    const std::uint8_t v4[8] = {24, 0, 0, 0, 203, 0, 113, 0};
    const std::uint8_t v6[20] = {48, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad};
    const std::uint32_t rule = 1;
    (void)(*loaded)->find_map("blocklist_v4")->map->user_update(v4, &rule, 0);
    (void)(*loaded)->find_map("blocklist_v6")->map->user_update(v6, &rule, 0);
  }
  hooks::xdp::ReplayOptions options;
  options.engine = engine;
  auto replay = hooks::xdp::XdpReplay::create(*(*loaded)->find_program(program), options);
  if (!replay.ok()) {
    state.SkipWithError(replay.error().to_string().c_str());
    return;
  }
  const std::span<const hooks::xdp::ReplayPacket> packets =
      std::span(d.packets).first(std::min(limit, d.packets.size()));
  hooks::xdp::FrameRing ring;
  if (const Status laid_out = ring.assign(packets); !laid_out.ok()) {
    state.SkipWithError(laid_out.error().to_string().c_str());
    return;
  }
  std::vector<hooks::xdp::PacketResult> results;
  for (auto _ : state) {
    const Status status = frames == Frames::in_place ? (*replay)->run(ring, results)
                                                     : (*replay)->run(packets, results);
    if (!status.ok()) state.SkipWithError(status.error().to_string().c_str());
  }
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const std::span<const std::uint8_t> now = ring.packet(i).data;
    if (!std::equal(now.begin(), now.end(), packets[i].data.begin(), packets[i].data.end())) {
      state.SkipWithError("the program changed a packet: later iterations ran other packets");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(packets.size()));
  state.counters["ns_per_packet"] = benchmark::Counter(
      static_cast<double>(packets.size()) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void firewall(benchmark::State& state, vm::Engine engine) {
  replay(state, std::string(XBPF_BENCH_BINARY_DIR) + "/examples/xdp_firewall.o", "xdp_firewall",
         engine, true, Frames::in_place);
}

void firewall_copy(benchmark::State& state, vm::Engine engine) {
  replay(state, std::string(XBPF_BENCH_BINARY_DIR) + "/examples/xdp_firewall.o", "xdp_firewall",
         engine, true, Frames::copied);
}

void firewall_cached(benchmark::State& state, vm::Engine engine) {
  replay(state, std::string(XBPF_BENCH_BINARY_DIR) + "/examples/xdp_firewall.o", "xdp_firewall",
         engine, true, Frames::in_place, 1000);
}

void firewall_cached_copy(benchmark::State& state, vm::Engine engine) {
  replay(state, std::string(XBPF_BENCH_BINARY_DIR) + "/examples/xdp_firewall.o", "xdp_firewall",
         engine, true, Frames::copied, 1000);
}

// The hook's own cost: tests/programs/xdp_actions.bpf.c passes the demo's frames after a
// handful of instructions (they are not its EtherType 0x88b5). Over the whole capture (every
// packet comes from memory, as from a NIC's DMA) and over its first 1,000 packets (in the
// caches: the fixed cost per packet).
void hook_overhead(benchmark::State& state, vm::Engine engine) {
  replay(state, std::string(XBPF_BENCH_BINARY_DIR) + "/tests/programs/xdp_actions.v3.o",
         "xdp_actions", engine, false, Frames::in_place);
}

void hook_overhead_copy(benchmark::State& state, vm::Engine engine) {
  replay(state, std::string(XBPF_BENCH_BINARY_DIR) + "/tests/programs/xdp_actions.v3.o",
         "xdp_actions", engine, false, Frames::copied);
}

void hook_overhead_cached(benchmark::State& state, vm::Engine engine) {
  replay(state, std::string(XBPF_BENCH_BINARY_DIR) + "/tests/programs/xdp_actions.v3.o",
         "xdp_actions", engine, false, Frames::in_place, 1000);
}

BENCHMARK_CAPTURE(firewall, interp, vm::Engine::interpreter)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(firewall, interp_checked, vm::Engine::checked)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(firewall, jit, vm::Engine::jit)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(firewall_copy, jit, vm::Engine::jit)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(firewall_cached, interp, vm::Engine::interpreter)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(firewall_cached, jit, vm::Engine::jit)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(firewall_cached_copy, jit, vm::Engine::jit)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(hook_overhead, interp, vm::Engine::interpreter)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(hook_overhead, jit, vm::Engine::jit)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(hook_overhead_copy, jit, vm::Engine::jit)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(hook_overhead_cached, jit, vm::Engine::jit)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(hook_overhead_cached, interp, vm::Engine::interpreter)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(hook_overhead, interp_checked, vm::Engine::checked)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
