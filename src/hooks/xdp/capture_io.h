// Byte-level helpers shared by the capture readers and writers (internal to src/hooks/xdp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "support/error.h"

namespace xbpf::hooks::xdp::io {

// A stream read in whole pieces, counting the offset.
class ByteSource {
 public:
  explicit ByteSource(std::istream& in, std::uint64_t offset = 0) : in_(in), offset_(offset) {}
  // Reads up to `size` bytes; returns how many were there.
  std::size_t read(std::uint8_t* out, std::size_t size) {
    if (size == 0) return 0;
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(size));
    const auto got = static_cast<std::size_t>(in_.gcount());
    offset_ += got;
    return got;
  }
  // Skips up to `size` bytes; returns how many were there.
  std::uint64_t skip(std::uint64_t size) {
    std::uint8_t scratch[4096];
    std::uint64_t skipped = 0;
    while (skipped < size) {
      const std::size_t chunk =
          static_cast<std::size_t>(std::min<std::uint64_t>(sizeof scratch, size - skipped));
      const std::size_t got = read(scratch, chunk);
      skipped += got;
      if (got < chunk) break;
    }
    return skipped;
  }
  [[nodiscard]] std::uint64_t offset() const { return offset_; }

 private:
  std::istream& in_;
  std::uint64_t offset_;
};

inline std::uint16_t get16(const std::uint8_t* p, bool big) {
  return big ? static_cast<std::uint16_t>(p[0] << 8 | p[1])
             : static_cast<std::uint16_t>(p[1] << 8 | p[0]);
}
inline std::uint32_t get32(const std::uint8_t* p, bool big) {
  return big ? (std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
                p[3])
             : (std::uint32_t{p[3]} << 24 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[1]} << 8 |
                p[0]);
}
inline std::uint64_t get64(const std::uint8_t* p, bool big) {
  const std::uint64_t first = get32(p, big), second = get32(p + 4, big);
  return big ? (first << 32 | second) : (second << 32 | first);
}

// Little-endian appends (the writers write little-endian files).
inline void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v));
  put16(out, static_cast<std::uint16_t>(v >> 16));
}
inline void put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  put32(out, static_cast<std::uint32_t>(v));
  put32(out, static_cast<std::uint32_t>(v >> 32));
}

// "NAME: record N at byte offset O: MESSAGE".
inline Error record_error(const std::string& name, std::uint64_t record, std::uint64_t offset,
                          const std::string& message) {
  Location where;
  where.file = name;
  Error error = make_error("record " + std::to_string(record) + " at byte offset " +
                               std::to_string(offset) + ": " + message,
                           where);
  return error;
}

}  // namespace xbpf::hooks::xdp::io
