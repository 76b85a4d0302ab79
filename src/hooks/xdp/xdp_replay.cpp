#include "hooks/xdp/xdp_replay.h"

#include <thread>

#include "hooks/xdp/frame_ring.h"
#include "platform/platform.h"
#include "runtime/run_context.h"
#include "runtime/test_run.h"
#include "runtime/xdp_buffer.h"

namespace xbpf::hooks::xdp {

std::string verdict_name(std::uint32_t retval) {
  switch (retval) {
    case kXdpAborted: return "XDP_ABORTED";
    case kXdpDrop: return "XDP_DROP";
    case kXdpPass: return "XDP_PASS";
    case kXdpTx: return "XDP_TX";
    case kXdpRedirect: return "XDP_REDIRECT";
    default: return "unknown (" + std::to_string(retval) + ")";
  }
}

void VerdictCounts::count_redirect(const PacketResult& result) {
  ++redirect;
  ++redirect_targets[result.redirect_ifindex.value_or(0)];
}

void VerdictCounts::add(const VerdictCounts& other) {
  packets += other.packets;
  bytes += other.bytes;
  skipped += other.skipped;
  aborted += other.aborted;
  drop += other.drop;
  pass += other.pass;
  tx += other.tx;
  redirect += other.redirect;
  unknown += other.unknown;
  for (const auto& [ifindex, count] : other.redirect_targets) redirect_targets[ifindex] += count;
}

std::uint32_t source_hash(std::span<const std::uint8_t> frame) {
  auto be16 = [&frame](std::size_t at) {
    return static_cast<std::uint16_t>(frame[at] << 8 | frame[at + 1]);
  };
  std::size_t from = 6, to = 12;  // the source MAC
  if (frame.size() >= kEthernetHeader) {
    std::size_t at = 12;
    std::uint16_t type = be16(at);
    for (int tag = 0; tag < 2 && (type == 0x8100 || type == 0x88a8) && at + 6 <= frame.size();
         ++tag) {
      at += 4;
      type = be16(at);
    }
    at += 2;
    if (type == 0x0800 && at + 20 <= frame.size()) {
      from = at + 12;
      to = at + 16;
    } else if (type == 0x86dd && at + 40 <= frame.size()) {
      from = at + 8;
      to = at + 24;
    }
  }
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (std::size_t i = from; i < to && i < frame.size(); ++i) hash = (hash ^ frame[i]) * 16777619u;
  return hash ^ (hash >> 16);
}

struct XdpReplay::Worker {
  runtime::RunContext run;
  vm::RunState state;
  runtime::XdpBuffer frame;
  runtime::XdpMd md{};
  VerdictCounts counts;
  std::uint64_t busy_ns = 0;
  std::optional<Error> error;
  std::size_t error_index = 0;
};

XdpReplay::~XdpReplay() = default;

Result<std::unique_ptr<XdpReplay>> XdpReplay::create(const runtime::LoadedProgram& program,
                                                     const ReplayOptions& options) {
  if (program.type == nullptr || program.type->type != progtype::ProgramType::xdp) {
    return make_error("program '" + program.name + "' in section '" + program.section +
                      "' is not an XDP program (" +
                      std::string(program.type ? program.type->name : "no type") + ")");
  }
  runtime::Runtime& runtime = program.owner->runtime();
  if (options.threads == 0 || options.threads > 255 || options.threads > runtime.possible_cpus()) {
    return make_error(std::to_string(options.threads) +
                      " workers need as many CPUs; the runtime has " +
                      std::to_string(runtime.possible_cpus()));
  }
  std::unique_ptr<XdpReplay> replay(new XdpReplay());
  replay->program_ = &program;
  replay->options_ = options;
  for (unsigned i = 0; i < options.threads; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->run.runtime = &runtime;
    worker->run.program = &program;
    worker->run.xdp = &worker->frame;
    worker->run.xdp_md = &worker->md;
    worker->run.context = &worker->md;
    worker->state.user = &worker->run;
    worker->state.cpu = i;
    runtime::add_map_regions(program, worker->state);
    worker->state.add_region({reinterpret_cast<std::uint64_t>(&worker->md), sizeof worker->md,
                              false, "the xdp_md context"});
    XBPF_TRY(worker->frame.reserve(runtime::kXdpMaxLinear));
    worker->run.packet_region = worker->state.regions().size();
    worker->state.add_region(runtime::xdp_packet_region(worker->frame));
    replay->workers_.push_back(std::move(worker));
  }
  return replay;
}

namespace {

// Where packet i runs: copied into the worker's own frame...
struct CopiedFrames {
  // A packet 8 ahead into the caches while this one runs: the copy then reads from the
  // caches instead of waiting for memory (captures are streamed).
  static constexpr std::size_t kAhead = 8;
  static void prefetch(const ReplayPacket& packet) {
    for (std::size_t at = 0; at < packet.data.size(); at += 64)
      __builtin_prefetch(packet.data.data() + at);
  }
  static Status place(runtime::XdpBuffer& frame, std::size_t, const ReplayPacket& packet) {
    return frame.reset(packet.data);
  }
};

// ... or in place, in its frame of a FrameRing.
struct RingFrames {
  // Only the first two lines of a packet ahead (the headers: Ethernet, VLAN tags, IPv6 and
  // TCP fit in 128 bytes), a few more packets ahead than with copies since each costs less.
  // (Non-temporal prefetches, which spare the L2 cache for the maps, measured the same.)
  static constexpr std::size_t kAhead = 12;
  static void prefetch(const ReplayPacket& packet) {
    __builtin_prefetch(packet.data.data());
    if (packet.data.size() > 64) __builtin_prefetch(packet.data.data() + 64);
  }
  Status place(runtime::XdpBuffer& frame, std::size_t i, const ReplayPacket& packet) const {
    if (std::uint8_t* in_ring = ring.frame(i); in_ring != nullptr) [[likely]] {
      frame.attach(in_ring, runtime::kXdpFrameSize, packet.data.size());
      return {};
    }
    return frame.reset(packet.data);  // a jumbo frame: the copy builds its fragments
  }
  const FrameRing& ring;
};

}  // namespace

template <class Frames>
void XdpReplay::work(Worker& worker, const Frames& frames, std::span<const ReplayPacket> packets,
                     std::vector<PacketResult>& results,
                     const std::vector<std::uint8_t>* assignment, unsigned index) {
  const vm::Program& code = *program_->code;
  // r1 = the xdp_md, r2-r5 = 0: all five, so that the JIT's entry takes the array as it is.
  const std::uint64_t args[5] = {reinterpret_cast<std::uint64_t>(&worker.md)};
  const bool checked = options_.engine == vm::Engine::checked;
  const std::uint64_t start = platform::monotonic_ns();
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (assignment != nullptr && (*assignment)[i] != index) continue;
    if (i + Frames::kAhead < packets.size()) frames.prefetch(packets[i + Frames::kAhead]);
    const ReplayPacket& packet = packets[i];
    PacketResult& result = results[i];
    result.redirect_ifindex.reset();
    result.output.clear();
    if (packet.data.size() < kEthernetHeader) {
      result.ran = false;
      worker.counts.count(result, packet.data.size());
      continue;
    }
    if (Status placed = frames.place(worker.frame, i, packet); !placed) {
      worker.error = make_error("record " + std::to_string(packet.record) + ": a packet of " +
                                std::to_string(packet.data.size()) +
                                " bytes does not fit an XDP frame: " + placed.error().message);
      worker.error_index = i;
      break;
    }
    worker.md = {};
    worker.frame.publish(worker.md);
    worker.md.ingress_ifindex = packet.ifindex;
    // Regions matter to the checked mode only (the fast mode and its helpers check nothing).
    if (checked) {
      worker.state.set_region(worker.run.packet_region, runtime::xdp_packet_region(worker.frame));
    }
    worker.run.redirect_ifindex.reset();
    if (options_.capture_clock) worker.run.clock_ns = packet.timestamp_ns;
    const std::uint64_t r0 = vm::run_raw(code, args, worker.state, options_.engine);
    if (worker.state.failed()) [[unlikely]] {
      Error error = worker.state.take_failure();
      error.where.section = program_->section;
      error.message =
          "record " + std::to_string(packet.record) + ": " + program_->name + ": " + error.message;
      worker.error = std::move(error);
      worker.error_index = i;
      break;
    }
    result.ran = true;
    result.retval = static_cast<std::uint32_t>(r0);
    if (result.retval == kXdpRedirect) result.redirect_ifindex = worker.run.redirect_ifindex;
    if (options_.keep_output &&
        (result.retval == kXdpPass || result.retval == kXdpTx || result.retval == kXdpRedirect)) {
      const std::span<const std::uint8_t> linear = worker.frame.packet();
      result.output.assign(linear.begin(), linear.end());
      if (const std::size_t frags = worker.frame.frags_length(); frags != 0) {
        result.output.resize(linear.size() + frags);
        worker.frame.load(linear.size(), result.output.data() + linear.size(), frags);
      }
    }
    worker.counts.count(result, packet.data.size());
  }
  worker.busy_ns += platform::monotonic_ns() - start;
}

Status XdpReplay::run(std::span<const ReplayPacket> packets, std::vector<PacketResult>& results) {
  return run_all(CopiedFrames{}, packets, results);
}

Status XdpReplay::run(FrameRing& ring, std::vector<PacketResult>& results) {
  return run_all(RingFrames{ring}, ring.packets(), results);
}

template <class Frames>
Status XdpReplay::run_all(const Frames& frames, std::span<const ReplayPacket> packets,
                          std::vector<PacketResult>& results) {
  results.resize(packets.size());
  for (auto& worker : workers_) {
    worker->counts = {};
    worker->busy_ns = 0;
    worker->error.reset();
  }
  if (workers_.size() == 1) {
    work(*workers_[0], frames, packets, results, nullptr, 0);
  } else {
    assignment_.resize(packets.size());
    const auto count = static_cast<std::uint32_t>(workers_.size());
    for (std::size_t i = 0; i < packets.size(); ++i)
      assignment_[i] = static_cast<std::uint8_t>(source_hash(packets[i].data) % count);
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < workers_.size(); ++i) {
      threads.emplace_back([this, i, &frames, packets, &results] {
        work(*workers_[i], frames, packets, results, &assignment_, i);
      });
    }
    work(*workers_[0], frames, packets, results, &assignment_, 0);
    for (std::thread& thread : threads) thread.join();
  }
  const Worker* failed = nullptr;
  for (auto& worker : workers_) {
    counts_.add(worker->counts);
    busy_ns_ += worker->busy_ns;
    if (worker->error && (failed == nullptr || worker->error_index < failed->error_index))
      failed = worker.get();
  }
  if (failed != nullptr) return *failed->error;
  return {};
}

}  // namespace xbpf::hooks::xdp
