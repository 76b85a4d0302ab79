// Where tests find the source tree, the build tree and the shared data.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "platform/platform.h"

namespace xbpf::test {

inline std::filesystem::path source_dir() { return XBPF_SOURCE_DIR; }
inline std::filesystem::path binary_dir() { return XBPF_BINARY_DIR; }

// ../shared (or $XBPF_SHARED_DIR), when it exists.
inline std::optional<std::filesystem::path> shared_dir() {
  const std::filesystem::path dir =
      platform::environment_variable("XBPF_SHARED_DIR").value_or(XBPF_DEFAULT_SHARED_DIR);
  if (std::filesystem::is_directory(dir)) return dir;
  return std::nullopt;
}

}  // namespace xbpf::test
