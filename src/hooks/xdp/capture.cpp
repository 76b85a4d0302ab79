// Opening captures (the format from the magic), names for messages, and the writers.
#include "hooks/xdp/capture.h"

#include <istream>
#include <ostream>

#include "hooks/xdp/capture_io.h"

namespace xbpf::hooks::xdp {
namespace {

constexpr std::uint32_t kPcapMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kPcapMagicNano = 0xa1b23c4d;

class PcapWriter final : public CaptureWriter {
 public:
  PcapWriter(std::ostream& out, std::string name, bool nanosecond)
      : CaptureWriter(out, std::move(name)), nanosecond_(nanosecond) {}

  Status add_interface(const CaptureInterface& interface) override {
    if (interfaces_ > 0) {
      if (interface.link_type != link_type_) {
        return make_error(name_ + ": a pcap file has one link type (" + link_type_name(link_type_) +
                          "), not also " + link_type_name(interface.link_type) +
                          "; write pcapng instead");
      }
      ++interfaces_;
      return {};
    }
    link_type_ = interface.link_type;
    ++interfaces_;
    std::vector<std::uint8_t> header;
    io::put32(header, nanosecond_ ? kPcapMagicNano : kPcapMagicMicro);
    io::put16(header, 2);
    io::put16(header, 4);
    io::put32(header, 0);  // thiszone
    io::put32(header, 0);  // sigfigs
    io::put32(header, kMaxCapturedLength);
    io::put32(header, link_type_);
    return put(header);
  }

  Status write(const OutputPacket& packet) override {
    if (packet.interface >= interfaces_) return make_error(name_ + ": no such interface");
    if (packet.data.size() > kMaxCapturedLength) {
      return make_error(name_ + ": a packet of " + std::to_string(packet.data.size()) +
                        " bytes exceeds the maximum of " + std::to_string(kMaxCapturedLength));
    }
    const auto captured = static_cast<std::uint32_t>(packet.data.size());
    record_.clear();
    const std::uint64_t unit = nanosecond_ ? 1 : 1000;
    io::put32(record_, static_cast<std::uint32_t>(packet.timestamp_ns / 1'000'000'000));
    io::put32(record_, static_cast<std::uint32_t>(packet.timestamp_ns % 1'000'000'000 / unit));
    io::put32(record_, captured);
    io::put32(record_, std::max(packet.original_length, captured));
    record_.insert(record_.end(), packet.data.begin(), packet.data.end());
    XBPF_TRY(put(record_));
    ++written_;
    return {};
  }

  Status finish() override {
    out_.flush();
    if (!out_) return make_error(name_ + ": write failed");
    return {};
  }

 private:
  bool nanosecond_;
  std::uint16_t link_type_ = kLinkTypeEthernet;
  std::uint32_t interfaces_ = 0;
  std::vector<std::uint8_t> record_;
};

// pcapng, little-endian, one section, timestamps in nanoseconds (if_tsresol 9).
class PcapngWriter final : public CaptureWriter {
 public:
  PcapngWriter(std::ostream& out, std::string name) : CaptureWriter(out, std::move(name)) {}

  Status add_interface(const CaptureInterface& interface) override {
    std::vector<std::uint8_t> blocks;
    if (interfaces_ == 0) {
      // Section header: byte-order magic, version 1.0, section length unknown (-1).
      begin(blocks, 0x0a0d0d0a);
      io::put32(blocks, 0x1a2b3c4d);
      io::put16(blocks, 1);
      io::put16(blocks, 0);
      io::put64(blocks, ~std::uint64_t{0});
      option(blocks, 4, "xbpf xdp run");  // shb_userappl
      option_end(blocks);
      end(blocks, 0);
    }
    const std::size_t start = blocks.size();
    begin(blocks, 1);
    io::put16(blocks, interface.link_type);
    io::put16(blocks, 0);
    io::put32(blocks, interface.snaplen);
    if (!interface.name.empty()) option(blocks, 2, interface.name);
    if (!interface.description.empty()) option(blocks, 3, interface.description);
    option(blocks, 9, std::string(1, '\x09'));  // if_tsresol: nanoseconds
    option_end(blocks);
    end(blocks, start);
    XBPF_TRY(put(blocks));
    ++interfaces_;
    return {};
  }

  Status write(const OutputPacket& packet) override {
    if (packet.interface >= interfaces_) return make_error(name_ + ": no such interface");
    if (packet.data.size() > kMaxCapturedLength) {
      return make_error(name_ + ": a packet of " + std::to_string(packet.data.size()) +
                        " bytes exceeds the maximum of " + std::to_string(kMaxCapturedLength));
    }
    const auto captured = static_cast<std::uint32_t>(packet.data.size());
    record_.clear();
    begin(record_, 6);
    io::put32(record_, packet.interface);
    io::put32(record_, static_cast<std::uint32_t>(packet.timestamp_ns >> 32));
    io::put32(record_, static_cast<std::uint32_t>(packet.timestamp_ns));
    io::put32(record_, captured);
    io::put32(record_, std::max(packet.original_length, captured));
    record_.insert(record_.end(), packet.data.begin(), packet.data.end());
    record_.resize((record_.size() + 3) & ~std::size_t{3}, 0);
    if (!packet.comment.empty()) {
      option(record_, 1, packet.comment);
      option_end(record_);
    }
    end(record_, 0);
    XBPF_TRY(put(record_));
    ++written_;
    return {};
  }

  Status finish() override {
    out_.flush();
    if (!out_) return make_error(name_ + ": write failed");
    return {};
  }

 private:
  static void begin(std::vector<std::uint8_t>& out, std::uint32_t type) {
    io::put32(out, type);
    io::put32(out, 0);  // the length, patched by end()
  }
  // Closes the block that starts at `start`: its length at both ends.
  static void end(std::vector<std::uint8_t>& out, std::size_t start) {
    const auto length = static_cast<std::uint32_t>(out.size() - start + 4);
    io::put32(out, length);
    for (int i = 0; i < 4; ++i)
      out[start + 4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(length >> (8 * i));
  }
  static void option(std::vector<std::uint8_t>& out, std::uint16_t code, std::string_view value) {
    const std::size_t size = std::min<std::size_t>(value.size(), 0xffff);
    io::put16(out, code);
    io::put16(out, static_cast<std::uint16_t>(size));
    out.insert(out.end(), value.begin(), value.begin() + static_cast<std::ptrdiff_t>(size));
    out.resize((out.size() + 3) & ~std::size_t{3}, 0);
  }
  static void option_end(std::vector<std::uint8_t>& out) { io::put32(out, 0); }

  std::uint32_t interfaces_ = 0;
  std::vector<std::uint8_t> record_;
};

}  // namespace

std::string_view capture_format_name(CaptureFormat format) {
  return format == CaptureFormat::pcap ? "pcap" : "pcapng";
}

std::string link_type_name(std::uint32_t link_type) {
  switch (link_type) {
    case 0: return "NULL (0)";
    case 1: return "ETHERNET (1)";
    case 101: return "RAW (101)";
    case 105: return "IEEE802_11 (105)";
    case 113: return "LINUX_SLL (113)";
    case 127: return "IEEE802_11_RADIOTAP (127)";
    case 228: return "IPV4 (228)";
    case 229: return "IPV6 (229)";
    case 276: return "LINUX_SLL2 (276)";
    default: return std::to_string(link_type);
  }
}

CaptureFormat output_format_for(std::string_view path) {
  const std::string_view suffix = ".pcap";
  if (path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix)
    return CaptureFormat::pcap;
  return CaptureFormat::pcapng;
}

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(std::istream& in, std::string name) {
  std::uint8_t magic[4] = {};
  in.read(reinterpret_cast<char*>(magic), 4);
  const auto got = in.gcount();
  if (got < 4) {
    return make_error(name + ": not a capture file (" + std::to_string(got) +
                      " bytes; a pcap or pcapng file starts with a 4-byte magic number)");
  }
  const std::uint32_t value = io::get32(magic, false);
  if (value == 0x0a0d0d0a) return detail::open_pcapng(in, std::move(name), magic);
  if (value == kPcapMagicMicro || value == kPcapMagicNano ||
      io::get32(magic, true) == kPcapMagicMicro || io::get32(magic, true) == kPcapMagicNano) {
    return detail::open_pcap(in, std::move(name), magic);
  }
  static const char digits[] = "0123456789abcdef";
  std::string found;
  for (std::uint8_t byte : magic) {
    found += digits[byte >> 4];
    found += digits[byte & 15];
    found += ' ';
  }
  found.pop_back();
  return make_error(
      name + ": not a pcap or pcapng file (the magic number is " + found +
      "; expected d4 c3 b2 a1, 4d 3c b2 a1 or 0a 0d 0d 0a, or the pcap ones reversed)");
}

Status CaptureWriter::put(const std::vector<std::uint8_t>& bytes) {
  out_.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!out_) return make_error(name_ + ": write failed");
  return {};
}

std::unique_ptr<CaptureWriter> CaptureWriter::create(std::ostream& out, CaptureFormat format,
                                                     std::string name, bool nanosecond) {
  if (format == CaptureFormat::pcap)
    return std::make_unique<PcapWriter>(out, std::move(name), nanosecond);
  return std::make_unique<PcapngWriter>(out, std::move(name));
}

}  // namespace xbpf::hooks::xdp
