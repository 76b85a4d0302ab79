// A map's operations from user space, as bpf(2) does them on a map's descriptor: the
// fd-holding types (program arrays, maps of maps) take descriptors and hand back ids, a
// frozen map refuses writes. Each returns 0 or a negative Linux errno, as the maps do.
#pragma once

#include <cstdint>
#include <memory>

#include "libbpf/resources.h"

namespace xbpf::libbpf {

// The map behind `fd`; null with *error = EBADF (no such descriptor) or EINVAL (not a map),
// host errno values.
std::shared_ptr<MapResource> map_of(int fd, int* error);
// The same for programs.
std::shared_ptr<ProgramResource> program_of(int fd, int* error);
// EBADF when `fd` is no descriptor of the process, else EINVAL (it names something else).
int bad_descriptor_errno(int fd);

long map_lookup(MapResource& map, const void* key, void* value, std::uint64_t flags);
long map_update(MapResource& map, const void* key, const void* value, std::uint64_t flags);
long map_delete(MapResource& map, const void* key, std::uint64_t flags);
long map_next_key(MapResource& map, const void* key, void* next_key);
long map_lookup_and_delete(MapResource& map, const void* key, void* value, std::uint64_t flags);
// BPF_MAP_FREEZE: -EBUSY when already frozen.
long map_freeze(MapResource& map);

// The size of a value as user space passes it (per-CPU maps: every CPU's, 8-byte aligned).
std::size_t user_value_size(const MapResource& map);

}  // namespace xbpf::libbpf
