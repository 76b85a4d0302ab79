// Little-endian reads from a byte span, for the object readers (BTF, BTF.ext, map sections).
// Callers check has() before reading; the reads themselves do not check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace xbpf::object {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  // True when [offset, offset + count) lies inside the bytes (without overflowing).
  [[nodiscard]] bool has(std::uint64_t offset, std::uint64_t count) const {
    return offset <= bytes_.size() && count <= bytes_.size() - offset;
  }
  [[nodiscard]] std::uint64_t u(std::uint64_t offset, int width) const {
    std::uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) {
      value = (value << 8) | bytes_[static_cast<std::size_t>(offset) + static_cast<std::size_t>(i)];
    }
    return value;
  }
  [[nodiscard]] std::uint32_t u32(std::uint64_t offset) const {
    return static_cast<std::uint32_t>(u(offset, 4));
  }
  [[nodiscard]] std::uint16_t u16(std::uint64_t offset) const {
    return static_cast<std::uint16_t>(u(offset, 2));
  }
  [[nodiscard]] std::span<const std::uint8_t> span(std::uint64_t offset,
                                                   std::uint64_t count) const {
    return bytes_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(count));
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

}  // namespace xbpf::object
