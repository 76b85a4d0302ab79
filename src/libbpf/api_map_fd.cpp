// The low-level map calls of <bpf/bpf.h>: create, element operations, batches, freeze.
#include <cerrno>
#include <cstring>
#include <vector>

#include "libbpf/context.h"
#include "libbpf/library.h"
#include "libbpf/map_access.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)
using xbpf::runtime::MapSpec;
using xbpf::runtime::MapType;

namespace {

// The kernel's bpf_obj_name_cpy: letters, digits, '_' and '.', at most 15 (libbpf truncates).
bool valid_object_name(const std::string& name) {
  for (const char c : name) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!letter && c != '_' && c != '.') return false;
  }
  return true;
}

// Runs `operation` on the map behind `fd`, with libbpf's return convention.
template <class Operation>
int with_map(int fd, Operation operation) {
  int error = 0;
  std::shared_ptr<MapResource> map = map_of(fd, &error);
  if (map == nullptr) return fail(error);
  return fail_linux(operation(*map));
}

}  // namespace

int bpf_map_create(enum bpf_map_type map_type, const char* map_name, __u32 key_size,
                   __u32 value_size, __u32 max_entries, const struct bpf_map_create_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, bpf_map_create_opts)) return fail(EINVAL);
  std::string name = map_name != nullptr ? map_name : "";
  if (name.size() > 15) name.resize(15);
  if (!valid_object_name(name)) return fail(EINVAL);
  if (XBPF_OPTS_GET(opts, map_ifindex, 0U) != 0) {
    warn("map '" + name + "': offload to a device (map_ifindex) is not possible in user mode");
    return fail(EOPNOTSUPP);
  }
  if (XBPF_OPTS_GET(opts, btf_vmlinux_value_type_id, 0U) != 0) {
    warn("map '" + name + "': struct_ops maps need the kernel's BTF, which xbpf does not have");
    return fail(EOPNOTSUPP);
  }
  MapSpec spec;
  spec.type = static_cast<MapType>(map_type);
  spec.name = name;
  spec.key_size = key_size;
  spec.value_size = value_size;
  spec.max_entries = max_entries;
  spec.flags = XBPF_OPTS_GET(opts, map_flags, 0U);
  const __u32 inner_fd = XBPF_OPTS_GET(opts, inner_map_fd, 0U);
  if (inner_fd != 0) {
    int error = 0;
    std::shared_ptr<MapResource> inner = map_of(static_cast<int>(inner_fd), &error);
    if (inner == nullptr) return fail(error);
    spec.inner = std::make_shared<MapSpec>(inner->map->spec());
  }
  xbpf::Result<std::shared_ptr<xbpf::runtime::Map>> created = context().create_map(spec);
  if (!created) {
    const int error = errno_of(created.error(), EINVAL);
    if (error == EOPNOTSUPP) {
      warn(created.error().message);
    } else {
      debug(created.error().message);
    }
    return fail(error);
  }
  std::shared_ptr<MapResource> map = map_resource(std::move(*created), name);
  if (const __u32 btf_fd = XBPF_OPTS_GET(opts, btf_fd, 0U); btf_fd != 0) {
    auto btf =
        Descriptors::instance().find<BtfResource>(static_cast<int>(btf_fd), ResourceKind::btf);
    if (btf == nullptr) return fail(bad_descriptor_errno(static_cast<int>(btf_fd)));
    map->btf_id = btf->id;
  }
  map->btf_key_type_id = XBPF_OPTS_GET(opts, btf_key_type_id, 0U);
  map->btf_value_type_id = XBPF_OPTS_GET(opts, btf_value_type_id, 0U);
  map->map_extra = XBPF_OPTS_GET(opts, map_extra, 0ULL);
  const int fd = Descriptors::instance().open(map);
  return fd < 0 ? fail(-fd) : fd;
}

int bpf_map_update_elem(int fd, const void* key, const void* value, __u64 flags) {
  return with_map(fd, [&](MapResource& map) { return map_update(map, key, value, flags); });
}

int bpf_map_lookup_elem(int fd, const void* key, void* value) {
  return with_map(fd, [&](MapResource& map) { return map_lookup(map, key, value, 0); });
}

int bpf_map_lookup_elem_flags(int fd, const void* key, void* value, __u64 flags) {
  return with_map(fd, [&](MapResource& map) { return map_lookup(map, key, value, flags); });
}

int bpf_map_lookup_and_delete_elem(int fd, const void* key, void* value) {
  return with_map(fd, [&](MapResource& map) { return map_lookup_and_delete(map, key, value, 0); });
}

int bpf_map_lookup_and_delete_elem_flags(int fd, const void* key, void* value, __u64 flags) {
  return with_map(fd,
                  [&](MapResource& map) { return map_lookup_and_delete(map, key, value, flags); });
}

int bpf_map_delete_elem(int fd, const void* key) {
  return with_map(fd, [&](MapResource& map) { return map_delete(map, key, 0); });
}

int bpf_map_delete_elem_flags(int fd, const void* key, __u64 flags) {
  return with_map(fd, [&](MapResource& map) { return map_delete(map, key, flags); });
}

int bpf_map_get_next_key(int fd, const void* key, void* next_key) {
  return with_map(fd, [&](MapResource& map) { return map_next_key(map, key, next_key); });
}

int bpf_map_freeze(int fd) {
  return with_map(fd, [&](MapResource& map) { return map_freeze(map); });
}
