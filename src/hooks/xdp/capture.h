// Packet captures: pcap (both byte orders, micro- or nanosecond timestamps) and pcapng
// (section header, interface description, enhanced, simple and obsolete packet blocks; other
// blocks skipped; both byte orders, each section its own). Readers stream one record at a time
// from a std::istream and check every length against the bytes that are really there; writers
// assemble each record whole before writing it, so an output never ends in a partial packet.
// Portable C++ (no libpcap): the same code reads captures on Linux and Windows.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/error.h"

namespace xbpf::hooks::xdp {

inline constexpr std::uint16_t kLinkTypeEthernet = 1;  // LINKTYPE_ETHERNET
// The largest captured length accepted (libpcap's MAXIMUM_SNAPLEN).
inline constexpr std::uint32_t kMaxCapturedLength = 262144;

enum class CaptureFormat { pcap, pcapng };

std::string_view capture_format_name(CaptureFormat format);
// LINKTYPE_ names for messages ("ETHERNET", "RAW", "LINUX_SLL", ...), or the number.
std::string link_type_name(std::uint32_t link_type);

// An interface of the capture: pcap files have one, pcapng files one per IDB.
struct CaptureInterface {
  std::uint16_t link_type = kLinkTypeEthernet;
  std::uint32_t snaplen = 0;  // 0: no limit
  std::string name;           // pcapng if_name
  std::string description;    // pcapng if_description
};

struct CapturePacket {
  std::uint64_t record = 0;            // 1-based: the pcap record, or the pcapng block
  std::uint64_t offset = 0;            // byte offset of the record in the file
  std::uint32_t interface = 0;         // index into CaptureReader::interfaces()
  std::uint64_t timestamp_ns = 0;      // since the epoch
  std::uint32_t original_length = 0;   // on the wire (>= data.size())
  std::span<const std::uint8_t> data;  // the captured bytes, valid until the next call
  std::string comment;                 // pcapng opt_comment, if any
};

class CaptureReader {
 public:
  // Reads the file header, which says the format and byte order. `name` prefixes errors.
  static Result<std::unique_ptr<CaptureReader>> open(std::istream& in, std::string name);
  virtual ~CaptureReader() = default;

  // The next packet; false at the end of the file. Errors name the record and its offset:
  // "in.pcap: record 7 at byte offset 1234: truncated packet data (...)".
  virtual Result<bool> next(CapturePacket& packet) = 0;

  // The interfaces seen so far (pcapng: IDBs appear before the packets that use them).
  [[nodiscard]] const std::vector<CaptureInterface>& interfaces() const { return interfaces_; }
  [[nodiscard]] CaptureFormat format() const { return format_; }
  // pcap: timestamps in nanoseconds (magic 0xa1b23c4d); pcapng: always false.
  [[nodiscard]] bool nanosecond() const { return nanosecond_; }

 protected:
  CaptureReader(CaptureFormat format, std::string name) : format_(format), name_(std::move(name)) {}
  std::vector<CaptureInterface> interfaces_;
  CaptureFormat format_;
  bool nanosecond_ = false;
  std::string name_;
};

// A packet to write.
struct OutputPacket {
  std::uint32_t interface = 0;  // index of an interface added to the writer
  std::uint64_t timestamp_ns = 0;
  std::uint32_t original_length = 0;  // raised to data.size() when smaller
  std::span<const std::uint8_t> data;
  std::string_view comment;  // pcapng: an opt_comment; pcap: not written
};

class CaptureWriter {
 public:
  // pcap: `nanosecond` chooses the 0xa1b23c4d magic. Nothing is written until the first
  // interface is added (pcap: its link type goes in the file header).
  static std::unique_ptr<CaptureWriter> create(std::ostream& out, CaptureFormat format,
                                               std::string name, bool nanosecond = false);
  virtual ~CaptureWriter() = default;

  // pcapng: an IDB (if_name, if_description, if_tsresol 9). pcap: the first sets the file's
  // link type; later ones must have the same link type.
  virtual Status add_interface(const CaptureInterface& interface) = 0;
  // One whole record, written at once.
  virtual Status write(const OutputPacket& packet) = 0;
  // Flushes; reports a failed stream.
  virtual Status finish() = 0;
  [[nodiscard]] std::uint64_t packets_written() const { return written_; }

 protected:
  CaptureWriter(std::ostream& out, std::string name) : out_(out), name_(std::move(name)) {}
  Status put(const std::vector<std::uint8_t>& bytes);
  std::ostream& out_;
  std::string name_;
  std::uint64_t written_ = 0;
};

// Chooses the output format from a file name: ".pcap" is pcap, anything else pcapng.
CaptureFormat output_format_for(std::string_view path);

namespace detail {
// After the first four bytes of the file (the magic).
Result<std::unique_ptr<CaptureReader>> open_pcap(std::istream& in, std::string name,
                                                 const std::uint8_t (&magic)[4]);
Result<std::unique_ptr<CaptureReader>> open_pcapng(std::istream& in, std::string name,
                                                   const std::uint8_t (&magic)[4]);
}  // namespace detail

}  // namespace xbpf::hooks::xdp
