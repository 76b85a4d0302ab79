// Printing maps' contents, in bpftool's "map dump" format.
#pragma once

#include <string>

#include "runtime/runtime.h"
#include "support/json.h"

namespace xbpf::cli {

// "map 'counts' (hash, id 3): 2 elements" then "key: 00 00 00 00  value: 01 00 ..." lines.
std::string dump_map_text(const runtime::LoadedMap& map);
// {"id":3,"name":"counts","type":"hash","entries":[{"key":["0x00",...],"value":[...]}]}
void dump_map_json(const runtime::LoadedMap& map, JsonWriter& json);

std::string_view map_type_name(runtime::MapType type);

}  // namespace xbpf::cli
