// --init-maps FILE: map entries filled from user space before a run (xdp run, net attach).
#pragma once

#include <string>

#include "runtime/runtime.h"
#include "support/error.h"

namespace xbpf::cli {

// One entry a line: "NAME key BYTE... value BYTE..." (hex bytes, '#' comments). Errors name
// the file and line.
Status init_maps(const std::string& path, const runtime::LoadedObject& object);

}  // namespace xbpf::cli
