// Small text utilities: numbers, hex, trimming.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xbpf {

std::string_view trim(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);
std::vector<std::string_view> split_lines(std::string_view text);

// Parses a decimal or 0x-prefixed hexadecimal number with an optional sign. Fails on anything
// else, including trailing characters and values outside [-2^63, 2^64).
struct ParsedNumber {
  bool negative = false;
  std::uint64_t magnitude = 0;
  // The value as a 64-bit two's-complement bit pattern.
  [[nodiscard]] std::uint64_t bits() const { return negative ? 0 - magnitude : magnitude; }
  [[nodiscard]] bool fits_signed(int bits) const;
  [[nodiscard]] bool fits_unsigned(int bits) const;
};
std::optional<ParsedNumber> parse_number(std::string_view text);

// "0x2a"
std::string to_hex(std::uint64_t value);
// "01 02 ff" style dump.
std::string hex_bytes(std::span<const std::uint8_t> bytes, std::string_view separator = " ");
// Parses hex bytes separated by whitespace (or not separated at all); nullopt on a bad digit.
std::optional<std::vector<std::uint8_t>> parse_hex_bytes(std::string_view text);

}  // namespace xbpf
