#include "hooks/xdp/capture_run.h"

#include <algorithm>

#include "hooks/xdp/frame_ring.h"
#include "platform/platform.h"

namespace xbpf::hooks::xdp {
namespace {

// A batch of packets copied out of the reader (whose buffer each next() reuses) into the
// frames they run in.
struct Batch {
  FrameRing ring;
  std::vector<std::uint32_t> interfaces;
  std::vector<std::uint32_t> original_lengths;

  void clear() {
    ring.clear();
    interfaces.clear();
    original_lengths.clear();
  }
  Status add(const CapturePacket& packet) {
    ReplayPacket replay;
    replay.data = packet.data;
    replay.ifindex = ifindex_of_interface(packet.interface);
    replay.timestamp_ns = packet.timestamp_ns;
    replay.record = packet.record;
    XBPF_TRY(ring.add(replay));
    interfaces.push_back(packet.interface);
    original_lengths.push_back(packet.original_length);
    return {};
  }
};

Status write_results(const Batch& batch, const std::vector<PacketResult>& results,
                     const CaptureReader& reader, CaptureWriter& writer, std::uint32_t& declared) {
  for (std::size_t i = 0; i < results.size(); ++i) {
    const PacketResult& result = results[i];
    if (!result.ran || (result.retval != kXdpPass && result.retval != kXdpTx)) continue;
    const std::uint32_t interface = batch.interfaces[i];
    while (declared <= interface) XBPF_TRY(writer.add_interface(reader.interfaces()[declared++]));
    OutputPacket out;
    out.interface = interface;
    out.timestamp_ns = batch.ring.packet(i).timestamp_ns;
    // Bytes the capture did not keep stay missing: the original length follows the change.
    const std::uint32_t missing =
        batch.original_lengths[i] - static_cast<std::uint32_t>(batch.ring.packet(i).data.size());
    out.original_length = static_cast<std::uint32_t>(result.output.size()) + missing;
    out.data = result.output;
    out.comment = result.retval == kXdpPass ? "XDP_PASS" : "XDP_TX";
    XBPF_TRY(writer.write(out));
  }
  return {};
}

}  // namespace

Result<CaptureRunSummary> run_capture(const runtime::LoadedProgram& program, CaptureReader& reader,
                                      CaptureWriter* writer, const CaptureRunOptions& options) {
  const std::uint64_t start = platform::monotonic_ns();
  ReplayOptions replay_options = options.replay;
  replay_options.keep_output = writer != nullptr;
  Result<std::unique_ptr<XdpReplay>> replay = XdpReplay::create(program, replay_options);
  if (!replay) return std::move(replay).error();
  Batch batch;
  // A batch's frames (a page each) at once, rather than growing with the first batch.
  XBPF_TRY(batch.ring.reserve(std::clamp<std::size_t>(options.batch, 1, 4096)));
  std::vector<PacketResult> results;
  std::uint32_t declared = 0;  // interfaces declared to the writer
  std::uint64_t records = 0;
  CapturePacket packet;
  for (;;) {
    batch.clear();
    std::optional<Error> read_error;
    bool more = true;
    while (batch.ring.size() < std::max<std::size_t>(options.batch, 1)) {
      Result<bool> next = reader.next(packet);
      if (!next) {
        read_error = std::move(next).error();
        break;
      }
      if (!*next) {
        more = false;
        break;
      }
      const CaptureInterface& interface = reader.interfaces()[packet.interface];
      if (interface.link_type != kLinkTypeEthernet) {
        read_error = make_error("record " + std::to_string(packet.record) + " at byte offset " +
                                std::to_string(packet.offset) + ": interface " +
                                std::to_string(packet.interface) +
                                (interface.name.empty() ? "" : " (" + interface.name + ")") +
                                " has link type " + link_type_name(interface.link_type) +
                                "; XDP programs receive Ethernet frames (LINKTYPE_ETHERNET, 1)");
        break;
      }
      XBPF_TRY(batch.add(packet));
      ++records;
    }
    XBPF_TRY((*replay)->run(batch.ring, results));
    if (writer != nullptr) XBPF_TRY(write_results(batch, results, reader, *writer, declared));
    if (options.progress) options.progress(records, packet.offset);
    if (read_error) return *read_error;
    if (!more) break;
  }
  if (writer != nullptr) {
    // Every interface is declared, so that even an output without packets is a capture.
    while (declared < reader.interfaces().size())
      XBPF_TRY(writer->add_interface(reader.interfaces()[declared++]));
    XBPF_TRY(writer->finish());
  }
  CaptureRunSummary summary;
  summary.counts = (*replay)->counts();
  summary.written = writer != nullptr ? writer->packets_written() : 0;
  summary.busy_ns = (*replay)->busy_ns();
  summary.threads = (*replay)->threads();
  summary.elapsed_ns = platform::monotonic_ns() - start;
  return summary;
}

}  // namespace xbpf::hooks::xdp
