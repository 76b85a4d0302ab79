// Fuzzes the capture readers behind `xbpf xdp run --pcap`: any bytes are either read packet by
// packet to the end or refused with an error naming the record, never a crash, a read past
// the input, or a packet longer than its record. What is read is written again (pcap and
// pcapng) and read back the same.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "hooks/xdp/capture.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xbpf::hooks::xdp;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  xbpf::Result<std::unique_ptr<CaptureReader>> reader = CaptureReader::open(in, "fuzz.pcap");
  if (!reader.ok()) {
    if (reader.error().message.empty()) std::abort();
    return 0;
  }
  std::vector<std::vector<std::uint8_t>> packets;
  std::vector<std::uint32_t> interfaces;
  CapturePacket packet;
  for (;;) {
    xbpf::Result<bool> next = (*reader)->next(packet);
    if (!next.ok()) {
      if (next.error().to_string().find("record ") == std::string::npos) std::abort();
      break;
    }
    if (!*next) break;
    if (packet.data.size() > kMaxCapturedLength || packet.data.size() > size) std::abort();
    if (packet.interface >= (*reader)->interfaces().size()) std::abort();
    packets.emplace_back(packet.data.begin(), packet.data.end());
    interfaces.push_back(packet.interface);
  }
  // Round trip through the pcapng writer.
  std::ostringstream out;
  auto writer = CaptureWriter::create(out, CaptureFormat::pcapng, "fuzz.pcapng");
  for (const CaptureInterface& interface : (*reader)->interfaces()) {
    if (!writer->add_interface(interface).ok()) std::abort();
  }
  for (std::size_t i = 0; i < packets.size(); ++i) {
    OutputPacket copy;
    copy.interface = interfaces[i];
    copy.data = packets[i];
    if (!writer->write(copy).ok()) std::abort();
  }
  std::istringstream back(out.str());
  xbpf::Result<std::unique_ptr<CaptureReader>> again = CaptureReader::open(back, "again");
  if (packets.empty() && (*reader)->interfaces().empty()) return 0;  // nothing was written
  if (!again.ok()) std::abort();
  for (const auto& expected : packets) {
    xbpf::Result<bool> next = (*again)->next(packet);
    if (!next.ok() || !*next) std::abort();
    if (std::vector<std::uint8_t>(packet.data.begin(), packet.data.end()) != expected) std::abort();
  }
  return 0;
}
