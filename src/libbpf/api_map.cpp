// bpf_map__*: a map's definition (editable until load), its global-data memory, descriptor,
// pins, and size-checked element operations.
#include <cerrno>
#include <cstring>

#include "libbpf/bpf_object.h"
#include "libbpf/context.h"
#include "libbpf/library.h"
#include "libbpf/map_access.h"
#include "libbpf/pins.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)
using xbpf::runtime::MapType;

namespace {

bool loaded(const bpf_map* map) { return map->owner != nullptr && map->owner->loaded; }

// A definition change before load: global data is made again at its new size, keeping its
// bytes.
int redefine(bpf_map* map, void (*change)(xbpf::object::MapDefinition&, __u32), __u32 value) {
  if (map->fd >= 0 || loaded(map)) return fail(EBUSY);
  change(map->definition(), value);
  if (map->data_map == nullptr) return 0;
  std::vector<std::uint8_t> bytes(map->data_map->spec().value_size);
  std::memcpy(bytes.data(), map->data(), bytes.size());
  auto& initial = map->definition().initial_data;
  initial.assign(bytes.begin(), bytes.end());
  initial.resize(map->definition().value_size, 0);
  xbpf::Status created = create_data_map(*map);
  if (!created) {
    warn("map '" + map->name + "': " + created.error().message);
    return fail(errno_of(created.error(), EINVAL));
  }
  return 0;
}

// libbpf's validate_map_op.
int validate(const bpf_map* map, size_t key_sz, size_t value_sz, bool check_value) {
  if (map->fd < 0 || map->created == nullptr) return -ENOENT;
  const auto& definition = map->definition();
  if (definition.key_size != key_sz) {
    warn("map '" + map->name + "': unexpected key size " + std::to_string(key_sz) +
         " provided, expected " + std::to_string(definition.key_size));
    return -EINVAL;
  }
  if (!check_value) return 0;
  switch (static_cast<MapType>(definition.type)) {
    case MapType::percpu_array:
    case MapType::percpu_hash:
    case MapType::lru_percpu_hash:
    case MapType::percpu_cgroup_storage: {
      const std::size_t cpus = context().possible_cpus();
      const std::size_t element = (definition.value_size + 7) / 8 * 8;
      if (value_sz != cpus * element) {
        warn("map '" + map->name + "': unexpected value size " + std::to_string(value_sz) +
             " provided for per-CPU map, expected " + std::to_string(cpus) + " * " +
             std::to_string(element) + " = " + std::to_string(cpus * element));
        return -EINVAL;
      }
      break;
    }
    default:
      if (definition.value_size != value_sz) {
        warn("map '" + map->name + "': unexpected value size " + std::to_string(value_sz) +
             " provided, expected " + std::to_string(definition.value_size));
        return -EINVAL;
      }
  }
  return 0;
}

bool is_map_in_map(__u32 type) {
  return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

// bpf_map__set_max_entries on a ring buffer: a power of 2 of pages (adjust_ringbuf_sz).
__u32 ringbuf_size(__u32 wanted) {
  __u32 size = 4096;
  while (size < wanted && size < (1U << 31)) size <<= 1;
  return size;
}

}  // namespace

int bpf_map__fd(const struct bpf_map* map) { return map != nullptr ? map->fd : fail(EINVAL); }

const char* bpf_map__name(const struct bpf_map* map) {
  return map != nullptr ? map->name.c_str() : nullptr;
}

enum bpf_map_type bpf_map__type(const struct bpf_map* map) {
  return static_cast<bpf_map_type>(map->definition().type);
}

int bpf_map__set_type(struct bpf_map* map, enum bpf_map_type type) {
  return redefine(
      map, [](xbpf::object::MapDefinition& d, __u32 v) { d.type = v; }, type);
}

__u32 bpf_map__max_entries(const struct bpf_map* map) { return map->definition().max_entries; }

int bpf_map__set_max_entries(struct bpf_map* map, __u32 max_entries) {
  if (loaded(map)) return fail(EBUSY);
  if (map->definition().type == BPF_MAP_TYPE_RINGBUF) max_entries = ringbuf_size(max_entries);
  return redefine(
      map, [](xbpf::object::MapDefinition& d, __u32 v) { d.max_entries = v; }, max_entries);
}

__u32 bpf_map__map_flags(const struct bpf_map* map) { return map->definition().flags; }

int bpf_map__set_map_flags(struct bpf_map* map, __u32 flags) {
  return redefine(
      map, [](xbpf::object::MapDefinition& d, __u32 v) { d.flags = v; }, flags);
}

__u32 bpf_map__numa_node(const struct bpf_map* map) { return map->numa_node; }

int bpf_map__set_numa_node(struct bpf_map* map, __u32 numa_node) {
  if (map->fd >= 0) return fail(EBUSY);
  map->numa_node = numa_node;
  return 0;
}

__u32 bpf_map__key_size(const struct bpf_map* map) { return map->definition().key_size; }

int bpf_map__set_key_size(struct bpf_map* map, __u32 size) {
  return redefine(
      map, [](xbpf::object::MapDefinition& d, __u32 v) { d.key_size = v; }, size);
}

__u32 bpf_map__value_size(const struct bpf_map* map) { return map->definition().value_size; }

int bpf_map__set_value_size(struct bpf_map* map, __u32 size) {
  return redefine(
      map, [](xbpf::object::MapDefinition& d, __u32 v) { d.value_size = v; }, size);
}

__u32 bpf_map__btf_key_type_id(const struct bpf_map* map) {
  return map != nullptr ? map->definition().btf_key_type : 0;
}

__u32 bpf_map__btf_value_type_id(const struct bpf_map* map) {
  return map != nullptr ? map->definition().btf_value_type : 0;
}

__u32 bpf_map__ifindex(const struct bpf_map* map) { return map->ifindex; }

int bpf_map__set_ifindex(struct bpf_map* map, __u32 ifindex) {
  if (map->fd >= 0) return fail(EBUSY);
  map->ifindex = ifindex;
  return 0;
}

__u64 bpf_map__map_extra(const struct bpf_map* map) { return map->definition().map_extra; }

int bpf_map__set_map_extra(struct bpf_map* map, __u64 map_extra) {
  if (map->fd >= 0) return fail(EBUSY);
  map->definition().map_extra = map_extra;
  return 0;
}

int bpf_map__set_initial_value(struct bpf_map* map, const void* data, size_t size) {
  if (map->data_map == nullptr || size != map->definition().value_size || map->fd >= 0 ||
      loaded(map)) {
    return fail(EINVAL);
  }
  std::memcpy(map->data(), data, size);
  return 0;
}

const void* bpf_map__initial_value(struct bpf_map* map, size_t* psize) {
  if (map->data_map == nullptr) return nullptr;
  *psize = map->definition().value_size;
  return map->data();
}

bool bpf_map__is_internal(const struct bpf_map* map) { return map->global_data(); }

bool bpf_map__autocreate(const struct bpf_map* map) { return map->autocreate; }

int bpf_map__set_autocreate(struct bpf_map* map, bool autocreate) {
  if (loaded(map)) return fail(EBUSY);
  map->autocreate = autocreate;
  return 0;
}

int bpf_map__reuse_fd(struct bpf_map* map, int fd) {
  int error = 0;
  std::shared_ptr<MapResource> reused = map_of(fd, &error);
  if (reused == nullptr) return fail(error);
  const int new_fd = Descriptors::instance().open(reused);
  if (new_fd < 0) return fail(-new_fd);
  if (map->fd >= 0) Descriptors::instance().close(map->fd);
  map->fd = new_fd;
  map->reuse = reused;
  map->created = reused;
  map->reused = true;
  const xbpf::runtime::MapSpec& spec = reused->map->spec();
  auto& definition = map->definition();
  definition.type = static_cast<__u32>(spec.type);
  definition.key_size = spec.key_size;
  definition.value_size = spec.value_size;
  definition.max_entries = spec.max_entries;
  definition.flags = spec.flags;
  definition.btf_key_type = reused->btf_key_type_id;
  definition.btf_value_type = reused->btf_value_type_id;
  definition.map_extra = reused->map_extra;
  if (reused->name.size() != 15 || map->name.compare(0, 15, reused->name) != 0) {
    map->name = reused->name;
  }
  return 0;
}

int bpf_map__set_inner_map_fd(struct bpf_map* map, int fd) {
  if (!is_map_in_map(map->definition().type)) {
    warn("error: unsupported map type");
    return fail(EINVAL);
  }
  if (map->inner_template != nullptr) {
    warn("error: inner_map_fd already specified");
    return fail(EINVAL);
  }
  int error = 0;
  std::shared_ptr<MapResource> inner = map_of(fd, &error);
  if (inner == nullptr) return fail(error);
  map->inner_template = inner;
  map->inner = nullptr;
  // The inner definition the object loads with is now that map's.
  if (const auto& index = map->definition().inner) {
    auto& definition = map->owner->source.maps[*index];
    const xbpf::runtime::MapSpec& spec = inner->map->spec();
    definition.type = static_cast<__u32>(spec.type);
    definition.key_size = spec.key_size;
    definition.value_size = spec.value_size;
    definition.max_entries = spec.max_entries;
    definition.flags = spec.flags;
  }
  return 0;
}

struct bpf_map* bpf_map__inner_map(struct bpf_map* map) {
  if (map->inner == nullptr) return fail_null<bpf_map>(ENOENT);
  return map->inner.get();
}

int bpf_map__set_pin_path(struct bpf_map* map, const char* path) {
  if (path != nullptr) {
    map->pin_path = path;
  } else {
    map->pin_path.reset();
  }
  return 0;
}

const char* bpf_map__pin_path(const struct bpf_map* map) {
  return map->pin_path ? map->pin_path->c_str() : nullptr;
}

bool bpf_map__is_pinned(const struct bpf_map* map) { return map->pinned; }

int bpf_map__pin(struct bpf_map* map, const char* path) {
  if (map == nullptr) return fail(EINVAL);
  if (map->pin_path && path != nullptr && *map->pin_path != path) {
    warn("map '" + map->name + "': map already has pin path '" + *map->pin_path +
         "' different from '" + path + "'");
    return fail(EINVAL);
  }
  if (map->pinned) {
    debug("map '" + map->name + "' already pinned at '" + *map->pin_path + "'; not re-pinning");
    return 0;
  }
  if (!map->pin_path && path == nullptr) {
    warn("map '" + map->name + "': missing a path to pin map to");
    return fail(EINVAL);
  }
  if (path != nullptr) map->pin_path = path;
  if (map->created == nullptr) {
    warn("map '" + map->name + "': can't pin BPF map without FD (was it created?)");
    return fail(EINVAL);
  }
  const int result = pin(*map->pin_path, map->created);
  if (result != 0) {
    warn("failed to pin map: " + error_text(-result));
    return fail(-result);
  }
  map->pinned = true;
  debug("pinned map '" + *map->pin_path + "'");
  return 0;
}

int bpf_map__unpin(struct bpf_map* map, const char* path) {
  if (map == nullptr) return fail(EINVAL);
  if (map->pin_path && path != nullptr && *map->pin_path != path) {
    warn("map '" + map->name + "': unpin path '" + path + "' differs from its pin path '" +
         *map->pin_path + "'");
    return fail(EINVAL);
  }
  const std::string at = path != nullptr ? path : map->pin_path ? *map->pin_path : "";
  if (at.empty()) {
    warn("no path to unpin map '" + map->name + "' from");
    return fail(EINVAL);
  }
  const int result = unpin(at);
  if (result != 0) return fail(-result);
  map->pinned = false;
  debug("unpinned map '" + map->name + "' from '" + at + "'");
  return 0;
}

int bpf_map__lookup_elem(const struct bpf_map* map, const void* key, size_t key_sz, void* value,
                         size_t value_sz, __u64 flags) {
  const int valid = validate(map, key_sz, value_sz, true);
  if (valid != 0) return fail(-valid);
  return fail_linux(map_lookup(*map->created, key, value, flags));
}

int bpf_map__update_elem(const struct bpf_map* map, const void* key, size_t key_sz,
                         const void* value, size_t value_sz, __u64 flags) {
  const int valid = validate(map, key_sz, value_sz, true);
  if (valid != 0) return fail(-valid);
  return fail_linux(map_update(*map->created, key, value, flags));
}

int bpf_map__delete_elem(const struct bpf_map* map, const void* key, size_t key_sz, __u64 flags) {
  const int valid = validate(map, key_sz, 0, false);
  if (valid != 0) return fail(-valid);
  return fail_linux(map_delete(*map->created, key, flags));
}

int bpf_map__lookup_and_delete_elem(const struct bpf_map* map, const void* key, size_t key_sz,
                                    void* value, size_t value_sz, __u64 flags) {
  const int valid = validate(map, key_sz, value_sz, true);
  if (valid != 0) return fail(-valid);
  return fail_linux(map_lookup_and_delete(*map->created, key, value, flags));
}

int bpf_map__get_next_key(const struct bpf_map* map, const void* cur_key, void* next_key,
                          size_t key_sz) {
  const int valid = validate(map, key_sz, 0, false);
  if (valid != 0) return fail(-valid);
  return fail_linux(map_next_key(*map->created, cur_key, next_key));
}
