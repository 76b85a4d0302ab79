// Whole-file reads and writes with errors that name the file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "support/error.h"

namespace xbpf {

Result<std::vector<std::uint8_t>> read_file(const std::string& path);
Result<std::string> read_text_file(const std::string& path);
Status write_file(const std::string& path, std::span<const std::uint8_t> bytes);
Status write_text_file(const std::string& path, std::string_view text);

}  // namespace xbpf
