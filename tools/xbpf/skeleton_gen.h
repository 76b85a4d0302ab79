// xbpf gen skeleton: the C header bpftool gen skeleton writes for an object (libbpf 1.1's
// bpftool 7.1, byte for byte), made with xbpf's libbpf as bpftool makes it with libbpf's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/error.h"

namespace xbpf::cli {

// The skeleton of the object `bytes` (read from `file`); `name` overrides the object name
// (default: the file's base name without ".o", made an identifier).
Result<std::string> generate_skeleton(const std::vector<std::uint8_t>& bytes,
                                      const std::string& file, const std::string& name);

}  // namespace xbpf::cli
