#include "hooks/xdp/live.h"

#include <map>
#include <memory>

#include "platform/packet_io.h"
#include "platform/platform.h"

namespace xbpf::hooks::xdp {

Status run_live(const runtime::LoadedProgram& program, const LiveOptions& options) {
  platform::catch_stop_signals();
  Result<std::unique_ptr<platform::PacketPort>> in =
      platform::PacketPort::open(options.interface, true);
  if (!in) return std::move(in).error();
  std::unique_ptr<platform::TapDevice> tap;
  std::unique_ptr<platform::PacketPort> forward;
  if (options.tap) {
    Result<std::unique_ptr<platform::TapDevice>> opened = platform::TapDevice::open(*options.tap);
    if (!opened) return std::move(opened).error();
    tap = std::move(*opened);
  }
  if (options.forward) {
    Result<std::unique_ptr<platform::PacketPort>> opened =
        platform::PacketPort::open(*options.forward, false);
    if (!opened) return std::move(opened).error();
    forward = std::move(*opened);
  }
  ReplayOptions replay_options;
  replay_options.engine = options.engine;
  replay_options.capture_clock = false;  // live traffic: the system's clock
  replay_options.keep_output = true;
  Result<std::unique_ptr<XdpReplay>> replay = XdpReplay::create(program, replay_options);
  if (!replay) return std::move(replay).error();

  // Redirect targets, opened on first use (nullptr: no such interface).
  std::map<std::uint32_t, std::unique_ptr<platform::PacketPort>> targets;
  auto target = [&](std::uint32_t ifindex) -> platform::PacketPort* {
    if (ifindex == (*in)->ifindex()) return in->get();
    if (forward && ifindex == forward->ifindex()) return forward.get();
    auto found = targets.find(ifindex);
    if (found == targets.end()) {
      std::unique_ptr<platform::PacketPort> port;
      if (std::optional<std::string> name = platform::interface_name(ifindex)) {
        Result<std::unique_ptr<platform::PacketPort>> opened =
            platform::PacketPort::open(*name, false);
        if (opened) port = std::move(*opened);
      }
      found = targets.emplace(ifindex, std::move(port)).first;
    }
    return found->second.get();
  };

  LiveCounters counters;
  std::vector<std::vector<std::uint8_t>> frames;
  std::vector<ReplayPacket> packets;
  std::vector<PacketResult> results;
  // Frames to send by (port, the counter of what was sent).
  std::map<std::pair<platform::PacketPort*, std::uint64_t*>,
           std::vector<std::span<const std::uint8_t>>>
      pending;
  std::size_t used = 0;
  std::uint64_t received = 0;
  std::uint64_t last_report = platform::monotonic_ns();
  while (!platform::stop_requested()) {
    used = 0;
    Result<std::size_t> got = (*in)->receive(100, [&](std::span<const std::uint8_t> frame) {
      if (used == frames.size()) frames.emplace_back();
      frames[used++].assign(frame.begin(), frame.end());
    });
    if (!got) return std::move(got).error();
    packets.resize(used);
    for (std::size_t i = 0; i < used; ++i) {
      packets[i].data = frames[i];
      packets[i].ifindex = (*in)->ifindex();
      packets[i].record = ++received;
    }
    if (used != 0) {
      XBPF_TRY((*replay)->run(packets, results));
      // The frames to send, many per system call once the batch has run.
      pending.clear();
      for (const PacketResult& result : results) {
        if (!result.ran) continue;
        switch (result.retval) {
          case kXdpPass:
            if (tap) {
              if (tap->write(result.output).ok()) {
                ++counters.delivered;
              } else {
                ++counters.send_errors;
              }
            } else if (forward) {
              pending[{forward.get(), &counters.delivered}].push_back(result.output);
            }
            break;
          case kXdpTx: pending[{in->get(), &counters.transmitted}].push_back(result.output); break;
          case kXdpRedirect:
            if (platform::PacketPort* port =
                    result.redirect_ifindex ? target(*result.redirect_ifindex) : nullptr) {
              pending[{port, &counters.redirected}].push_back(result.output);
            } else {
              ++counters.send_errors;
            }
            break;
          default: break;
        }
      }
      for (auto& [destination, frames_out] : pending) {
        Result<std::size_t> sent = destination.first->send_all(frames_out);
        const std::size_t count = sent ? *sent : 0;
        counters.send_errors += frames_out.size() - count;
        *destination.second += count;
      }
    }
    const std::uint64_t now = platform::monotonic_ns();
    if (options.report && now - last_report >= options.report_interval_ns) {
      counters.counts = (*replay)->counts();
      options.report(counters, false);
      last_report = now;
    }
  }
  counters.counts = (*replay)->counts();
  if (options.report) options.report(counters, true);
  return {};
}

}  // namespace xbpf::hooks::xdp
