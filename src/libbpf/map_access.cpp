#include "libbpf/map_access.h"

#include <cerrno>
#include <cstring>

#include "platform/descriptors.h"
#include "support/linux_abi.h"

namespace xbpf::libbpf {
namespace {

using runtime::MapType;
namespace abi = linux_abi;

bool holds_descriptors(MapType type) {
  return type == MapType::prog_array || type == MapType::array_of_maps ||
         type == MapType::hash_of_maps;
}

std::string key_bytes(const MapResource& map, const void* key) {
  return {static_cast<const char*>(key), map.map->spec().key_size};
}

}  // namespace

int bad_descriptor_errno(int fd) { return platform::descriptor_identity(fd) ? EINVAL : EBADF; }

std::shared_ptr<MapResource> map_of(int fd, int* error) {
  auto map = Descriptors::instance().find<MapResource>(fd, ResourceKind::map);
  if (map == nullptr) *error = bad_descriptor_errno(fd);
  return map;
}

std::shared_ptr<ProgramResource> program_of(int fd, int* error) {
  auto program = Descriptors::instance().find<ProgramResource>(fd, ResourceKind::program);
  if (program == nullptr) *error = bad_descriptor_errno(fd);
  return program;
}

std::size_t user_value_size(const MapResource& map) { return map.map->user_value_size(); }

long map_lookup(MapResource& map, const void* key, void* value, std::uint64_t flags) {
  return map.map->user_lookup(key, value, flags);
}

long map_update(MapResource& map, const void* key, const void* value, std::uint64_t flags) {
  if (map.frozen.load(std::memory_order_acquire)) return -abi::kEPERM;
  const MapType type = map.map->type();
  if (!holds_descriptors(type)) return map.map->user_update(key, value, flags);
  // The value is a descriptor: the runtime's maps take the program's or map's id, and the
  // map keeps what it holds alive, as the kernel's does.
  std::int32_t fd = 0;
  std::memcpy(&fd, value, sizeof fd);
  const ResourceKind kind = type == MapType::prog_array ? ResourceKind::program : ResourceKind::map;
  std::shared_ptr<Resource> held = Descriptors::instance().find(fd);
  if (held == nullptr || held->kind != kind) return -abi::kEBADF;
  const std::uint32_t id = kind == ResourceKind::program ? static_cast<ProgramResource&>(*held).id()
                                                         : static_cast<MapResource&>(*held).id();
  const long updated = map.map->user_update(key, &id, flags);
  if (updated == 0) {
    std::lock_guard lock(map.held_mutex);
    map.held[key_bytes(map, key)] = std::move(held);
  }
  return updated;
}

long map_delete(MapResource& map, const void* key, std::uint64_t flags) {
  if (flags != 0) return -abi::kEINVAL;
  if (map.frozen.load(std::memory_order_acquire)) return -abi::kEPERM;
  const long deleted = map.map->user_delete(key);
  if (deleted == 0 && holds_descriptors(map.map->type())) {
    std::lock_guard lock(map.held_mutex);
    map.held.erase(key_bytes(map, key));
  }
  return deleted;
}

long map_next_key(MapResource& map, const void* key, void* next_key) {
  return map.map->get_next_key(key, next_key);
}

long map_lookup_and_delete(MapResource& map, const void* key, void* value, std::uint64_t flags) {
  if (map.frozen.load(std::memory_order_acquire)) return -abi::kEPERM;
  return map.map->user_lookup_and_delete(key, value, flags);
}

long map_freeze(MapResource& map) {
  bool expected = false;
  if (!map.frozen.compare_exchange_strong(expected, true)) return -abi::kEBUSY;
  return 0;
}

}  // namespace xbpf::libbpf
