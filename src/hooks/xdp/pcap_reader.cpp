// The classic pcap format: a 24-byte file header whose magic gives the byte order and the
// timestamp unit, then records of a 16-byte header and the captured bytes.
#include <istream>

#include "hooks/xdp/capture.h"
#include "hooks/xdp/capture_io.h"

namespace xbpf::hooks::xdp {
namespace {

constexpr std::size_t kFileHeader = 24;
constexpr std::size_t kRecordHeader = 16;

class PcapReader final : public CaptureReader {
 public:
  PcapReader(std::istream& in, std::string name, bool big, bool nanosecond)
      : CaptureReader(CaptureFormat::pcap, std::move(name)), source_(in, 4), big_(big) {
    nanosecond_ = nanosecond;
  }

  Status read_header() {
    std::uint8_t header[kFileHeader - 4];
    const std::size_t got = source_.read(header, sizeof header);
    if (got < sizeof header) {
      return make_error(name_ + ": truncated pcap file header (expected " +
                        std::to_string(kFileHeader) + " bytes, found " + std::to_string(got + 4) +
                        ")");
    }
    const std::uint16_t major = io::get16(header, big_);
    if (major != 2) {
      return make_error(name_ + ": unsupported pcap version " + std::to_string(major) + "." +
                        std::to_string(io::get16(header + 2, big_)) + " (expected 2.4)");
    }
    CaptureInterface interface;
    interface.snaplen = io::get32(header + 12, big_);
    // The link type's upper bits may carry the FCS length (pcap-savefile(5)).
    const std::uint32_t link = io::get32(header + 16, big_) & 0x03ffffff;
    if (link > 0xffff) {
      return make_error(name_ + ": bad link type " + std::to_string(link) +
                        " in the pcap file header");
    }
    interface.link_type = static_cast<std::uint16_t>(link);
    interfaces_.push_back(interface);
    return {};
  }

  Result<bool> next(CapturePacket& packet) override {
    const std::uint64_t offset = source_.offset();
    std::uint8_t header[kRecordHeader];
    const std::size_t got = source_.read(header, sizeof header);
    if (got == 0) return false;
    const std::uint64_t record = ++record_;
    if (got < sizeof header) {
      return io::record_error(
          name_, record, offset,
          "truncated record header (expected 16 bytes, found " + std::to_string(got) + ")");
    }
    const std::uint32_t seconds = io::get32(header, big_);
    const std::uint32_t fraction = io::get32(header + 4, big_);
    const std::uint32_t captured = io::get32(header + 8, big_);
    const std::uint32_t original = io::get32(header + 12, big_);
    if (captured > kMaxCapturedLength) {
      return io::record_error(name_, record, offset,
                              "captured length " + std::to_string(captured) +
                                  " exceeds the maximum of " + std::to_string(kMaxCapturedLength) +
                                  " (a corrupt record header?)");
    }
    if (original < captured) {
      return io::record_error(name_, record, offset,
                              "captured length " + std::to_string(captured) +
                                  " exceeds the original length " + std::to_string(original));
    }
    data_.resize(captured);
    const std::size_t read = source_.read(data_.data(), captured);
    if (read < captured) {
      return io::record_error(name_, record, offset,
                              "truncated packet data (expected " + std::to_string(captured) +
                                  " bytes, found " + std::to_string(read) + ")");
    }
    packet.record = record;
    packet.offset = offset;
    packet.interface = 0;
    packet.timestamp_ns =
        std::uint64_t{seconds} * 1'000'000'000 + std::uint64_t{fraction} * (nanosecond_ ? 1 : 1000);
    packet.original_length = original;
    packet.data = data_;
    packet.comment.clear();
    return true;
  }

 private:
  io::ByteSource source_;
  bool big_;
  std::uint64_t record_ = 0;
  std::vector<std::uint8_t> data_;
};

}  // namespace

namespace detail {

Result<std::unique_ptr<CaptureReader>> open_pcap(std::istream& in, std::string name,
                                                 const std::uint8_t (&magic)[4]) {
  const std::uint32_t little = io::get32(magic, false);
  bool big = false, nanosecond = false;
  switch (little) {
    case 0xa1b2c3d4: break;
    case 0xa1b23c4d: nanosecond = true; break;
    case 0xd4c3b2a1: big = true; break;
    case 0x4d3cb2a1: big = nanosecond = true; break;
    default: return make_error(name + ": not a pcap file");
  }
  auto reader = std::make_unique<PcapReader>(in, std::move(name), big, nanosecond);
  XBPF_TRY(reader->read_header());
  return std::unique_ptr<CaptureReader>(std::move(reader));
}

}  // namespace detail
}  // namespace xbpf::hooks::xdp
