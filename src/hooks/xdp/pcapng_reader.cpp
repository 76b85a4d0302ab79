// pcapng (draft-ietf-opsawg-pcapng): blocks of type, length, body, length again. A section
// header block (SHB) starts each section and gives its byte order; interface description
// blocks (IDB) declare the section's interfaces; enhanced (EPB), simple (SPB) and obsolete
// (OPB) packet blocks carry packets. Every other block is skipped.
#include <istream>

#include "hooks/xdp/capture.h"
#include "hooks/xdp/capture_io.h"

namespace xbpf::hooks::xdp {
namespace {

constexpr std::uint32_t kSectionHeader = 0x0a0d0d0a;
constexpr std::uint32_t kInterfaceDescription = 1;
constexpr std::uint32_t kObsoletePacket = 2;
constexpr std::uint32_t kSimplePacket = 3;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1a2b3c4d;
// Blocks xbpf reads whole (headers and packets with their options); skipped blocks may be
// of any length.
constexpr std::uint32_t kMaxReadBlock = kMaxCapturedLength + (1u << 20);

constexpr std::uint16_t kOptEnd = 0, kOptComment = 1;
constexpr std::uint16_t kIfName = 2, kIfDescription = 3, kIfTsresol = 9, kIfTsoffset = 14;

std::uint32_t pad4(std::uint32_t size) { return (size + 3) & ~3u; }

// Timestamp units (if_tsresol: 10^-n, or 2^-n with the top bit set) to nanoseconds.
std::uint64_t to_nanoseconds(std::uint64_t units, std::uint8_t resolution) {
  const unsigned exponent = resolution & 0x7f;
  if ((resolution & 0x80) == 0) {
    if (exponent <= 9) {
      std::uint64_t scale = 1;
      for (unsigned i = exponent; i < 9; ++i) scale *= 10;
      return units * scale;
    }
    if (exponent > 28) return 0;
    std::uint64_t divisor = 1;
    for (unsigned i = 9; i < exponent && divisor <= UINT64_MAX / 10; ++i) divisor *= 10;
    return units / divisor;
  }
  if (exponent >= 64) return 0;
  const std::uint64_t seconds = exponent == 0 ? units : units >> exponent;
  std::uint64_t fraction = exponent == 0 ? 0 : units & ((std::uint64_t{1} << exponent) - 1);
  unsigned shift = exponent;
  if (shift > 34) {
    fraction >>= shift - 34;
    shift = 34;
  }
  return seconds * 1'000'000'000 + ((fraction * 1'000'000'000) >> shift);
}

struct InterfaceClock {
  std::uint8_t resolution = 6;  // microseconds by default
  std::int64_t offset_seconds = 0;
};

class PcapngReader final : public CaptureReader {
 public:
  PcapngReader(std::istream& in, std::string name)
      : CaptureReader(CaptureFormat::pcapng, std::move(name)), source_(in, 4) {}

  // The first block is a section header; its type (the file's magic) is already read.
  Status read_first_section() {
    CapturePacket unused;
    XBPF_TRY(read_block(kSectionHeader, 0, unused));
    return {};
  }

  Result<bool> next(CapturePacket& packet) override {
    for (;;) {
      const std::uint64_t offset = source_.offset();
      std::uint8_t type_bytes[4];
      const std::size_t got = source_.read(type_bytes, 4);
      if (got == 0) return false;
      if (got < 4) {
        return io::record_error(
            name_, record_ + 1, offset,
            "truncated block header (expected 8 bytes, found " + std::to_string(got) + ")");
      }
      // A section header has the same bytes in both orders; other types are in the
      // current section's order.
      const std::uint32_t type = io::get32(type_bytes, big_);
      Result<bool> block = read_block(type, offset, packet);
      if (!block) return std::move(block).error();
      if (*block) return true;
    }
  }

 private:
  Error error(std::uint64_t offset, const std::string& message) const {
    return io::record_error(name_, record_, offset, message);
  }

  // Reads the rest of a block whose type was read at `offset`; true when it held a packet.
  Result<bool> read_block(std::uint32_t type, std::uint64_t offset, CapturePacket& packet) {
    ++record_;
    std::uint8_t length_bytes[4];
    std::size_t got = source_.read(length_bytes, 4);
    if (got < 4) {
      return error(offset, "truncated block header (expected 8 bytes, found " +
                               std::to_string(4 + got) + ")");
    }
    body_.clear();
    if (type == kSectionHeader) {
      std::uint8_t magic[4];
      got = source_.read(magic, 4);
      if (got < 4) return error(offset, "truncated section header block");
      if (io::get32(magic, false) == kByteOrderMagic) {
        big_ = false;
      } else if (io::get32(magic, true) == kByteOrderMagic) {
        big_ = true;
      } else {
        return error(offset, "bad byte-order magic 0x" + hex32(io::get32(magic, false)) +
                                 " in a section header block (expected 0x1a2b3c4d)");
      }
      body_.assign(magic, magic + 4);
    }
    const std::uint32_t length = io::get32(length_bytes, big_);
    if (length < 12 || length % 4 != 0) {
      return error(
          offset, "bad block length " + std::to_string(length) + " (a multiple of 4, at least 12)");
    }
    const bool known = type == kSectionHeader || type == kInterfaceDescription ||
                       type == kEnhancedPacket || type == kSimplePacket || type == kObsoletePacket;
    const std::uint32_t body_size = length - 12;
    if (!known) {
      const std::uint64_t skipped = source_.skip(body_size);
      if (skipped < body_size) {
        return error(offset, "truncated block of type 0x" + hex32(type) + " (expected " +
                                 std::to_string(length) + " bytes, found " +
                                 std::to_string(8 + skipped) + ")");
      }
    } else {
      if (length > kMaxReadBlock) {
        return error(offset, "block length " + std::to_string(length) + " exceeds the maximum of " +
                                 std::to_string(kMaxReadBlock));
      }
      if (body_size < body_.size()) return error(offset, "section header block too short");
      const std::size_t already = body_.size();
      body_.resize(body_size);
      const std::size_t read = source_.read(body_.data() + already, body_size - already);
      if (read < body_size - already) {
        return error(offset, "truncated block (expected " + std::to_string(length) +
                                 " bytes, found " + std::to_string(8 + already + read) + ")");
      }
    }
    std::uint8_t trailer[4];
    got = source_.read(trailer, 4);
    if (got < 4) {
      return error(offset, "truncated block (expected " + std::to_string(length) +
                               " bytes, found " + std::to_string(length - 4 + got) + ")");
    }
    if (io::get32(trailer, big_) != length) {
      return error(offset, "the block's trailing length " +
                               std::to_string(io::get32(trailer, big_)) +
                               " differs from its leading length " + std::to_string(length));
    }
    switch (type) {
      case kSectionHeader: XBPF_TRY(section_header(offset)); return false;
      case kInterfaceDescription: XBPF_TRY(interface_description(offset)); return false;
      case kEnhancedPacket:
      case kObsoletePacket:
      case kSimplePacket: XBPF_TRY(packet_block(type, offset, packet)); return true;
      default: return false;
    }
  }

  static std::string hex32(std::uint32_t value) {
    static const char digits[] = "0123456789abcdef";
    std::string out(8, '0');
    for (int i = 7; i >= 0; --i, value >>= 4) out[static_cast<std::size_t>(i)] = digits[value & 15];
    return out;
  }

  // Calls visit(code, value) for each option of body_[from, end); an error when an option
  // runs past the end.
  template <class Visit>
  Status options(std::uint64_t offset, std::size_t from, Visit visit) const {
    std::size_t at = from;
    while (at + 4 <= body_.size()) {
      const std::uint16_t code = io::get16(&body_[at], big_);
      const std::uint16_t size = io::get16(&body_[at + 2], big_);
      if (code == kOptEnd) return {};
      if (at + 4 + pad4(size) > body_.size()) {
        return error(offset, "option " + std::to_string(code) + " of " + std::to_string(size) +
                                 " bytes runs past the end of the block");
      }
      visit(code, std::span<const std::uint8_t>(&body_[at + 4], size));
      at += 4 + pad4(size);
    }
    return {};
  }

  Status section_header(std::uint64_t offset) {
    if (body_.size() < 16) return error(offset, "section header block too short");
    const std::uint16_t major = io::get16(&body_[4], big_);
    if (major != 1) {
      return error(offset, "unsupported pcapng version " + std::to_string(major) + "." +
                               std::to_string(io::get16(&body_[6], big_)) + " (expected 1.0)");
    }
    section_base_ = static_cast<std::uint32_t>(interfaces_.size());
    return options(offset, 16, [](std::uint16_t, std::span<const std::uint8_t>) {});
  }

  Status interface_description(std::uint64_t offset) {
    if (body_.size() < 8) return error(offset, "interface description block too short");
    CaptureInterface interface;
    InterfaceClock clock;
    interface.link_type = io::get16(&body_[0], big_);
    interface.snaplen = io::get32(&body_[4], big_);
    const bool big = big_;
    XBPF_TRY(options(offset, 8, [&](std::uint16_t code, std::span<const std::uint8_t> value) {
      auto text = [&value] {
        std::string out(value.begin(), value.end());
        while (!out.empty() && out.back() == '\0') out.pop_back();
        return out;
      };
      if (code == kIfName) interface.name = text();
      if (code == kIfDescription) interface.description = text();
      if (code == kIfTsresol && value.size() >= 1) clock.resolution = value[0];
      if (code == kIfTsoffset && value.size() >= 8)
        clock.offset_seconds = static_cast<std::int64_t>(io::get64(value.data(), big));
    }));
    interfaces_.push_back(std::move(interface));
    clocks_.push_back(clock);
    return {};
  }

  Status packet_block(std::uint32_t type, std::uint64_t offset, CapturePacket& packet) {
    std::uint32_t interface = 0, captured = 0, original = 0;
    std::uint64_t units = 0;
    std::size_t data_at = 0;
    const char* what = type == kEnhancedPacket ? "enhanced packet block"
                       : type == kSimplePacket ? "simple packet block"
                                               : "packet block";
    if (type == kSimplePacket) {
      if (body_.size() < 4) return error(offset, std::string(what) + " too short");
      original = io::get32(&body_[0], big_);
      data_at = 4;
      if (interfaces_.size() == section_base_) {
        return error(offset, "a simple packet block before any interface description block");
      }
      const std::uint32_t snaplen = interfaces_[section_base_].snaplen;
      captured = snaplen != 0 && snaplen < original ? snaplen : original;
      if (captured > body_.size() - 4) {
        return error(offset, "simple packet block of " + std::to_string(body_.size() + 12) +
                                 " bytes cannot hold " + std::to_string(captured) +
                                 " bytes of packet data");
      }
    } else {
      const std::size_t header = 20;  // EPB and OPB alike
      if (body_.size() < header) return error(offset, std::string(what) + " too short");
      if (type == kEnhancedPacket) {
        interface = io::get32(&body_[0], big_);
      } else {
        interface = io::get16(&body_[0], big_);
      }
      units = std::uint64_t{io::get32(&body_[4], big_)} << 32 | io::get32(&body_[8], big_);
      captured = io::get32(&body_[12], big_);
      original = io::get32(&body_[16], big_);
      data_at = header;
      if (captured > kMaxCapturedLength) {
        return error(offset, "captured length " + std::to_string(captured) +
                                 " exceeds the maximum of " + std::to_string(kMaxCapturedLength));
      }
      if (data_at + pad4(captured) > body_.size()) {
        return error(offset, "captured length " + std::to_string(captured) +
                                 " runs past the end of the block (" +
                                 std::to_string(body_.size() - data_at) + " bytes left)");
      }
      if (original < captured) {
        return error(offset, "captured length " + std::to_string(captured) +
                                 " exceeds the original length " + std::to_string(original));
      }
      if (section_base_ + std::uint64_t{interface} >= interfaces_.size()) {
        return error(offset, "interface " + std::to_string(interface) +
                                 " has no interface description block (the section has " +
                                 std::to_string(interfaces_.size() - section_base_) + ")");
      }
    }
    const std::uint32_t global = section_base_ + interface;
    packet.comment.clear();
    if (type != kSimplePacket) {
      XBPF_TRY(options(offset, data_at + pad4(captured),
                       [&packet](std::uint16_t code, std::span<const std::uint8_t> value) {
                         if (code == kOptComment) packet.comment.assign(value.begin(), value.end());
                       }));
    }
    const InterfaceClock& clock = clocks_[global];
    packet.record = record_;
    packet.offset = offset;
    packet.interface = global;
    packet.timestamp_ns =
        type == kSimplePacket
            ? 0
            : to_nanoseconds(units, clock.resolution) +
                  static_cast<std::uint64_t>(clock.offset_seconds) * 1'000'000'000;
    packet.original_length = original;
    packet.data = std::span<const std::uint8_t>(body_).subspan(data_at, captured);
    return {};
  }

  io::ByteSource source_;
  bool big_ = false;
  std::uint64_t record_ = 0;
  std::uint32_t section_base_ = 0;  // the first interface of the current section
  std::vector<InterfaceClock> clocks_;
  std::vector<std::uint8_t> body_;
};

}  // namespace

namespace detail {

Result<std::unique_ptr<CaptureReader>> open_pcapng(std::istream& in, std::string name,
                                                   const std::uint8_t (&magic)[4]) {
  if (io::get32(magic, false) != kSectionHeader) return make_error(name + ": not a pcapng file");
  auto reader = std::make_unique<PcapngReader>(in, std::move(name));
  XBPF_TRY(reader->read_first_section());
  return std::unique_ptr<CaptureReader>(std::move(reader));
}

}  // namespace detail
}  // namespace xbpf::hooks::xdp
