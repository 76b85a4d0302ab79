// The batch operations on maps, as the kernel's generic_map_*_batch (arrays: the batch token
// is the last key) and htab_map_*_batch (hash maps: a u32 token; here the position in the
// walk, where the kernel's is a bucket index) do them.
#include <cerrno>
#include <cstring>
#include <vector>

#include "libbpf/library.h"
#include "libbpf/map_access.h"
#include "support/linux_abi.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)
using xbpf::runtime::MapType;
namespace abi = xbpf::linux_abi;

namespace {

enum class Family { array, hash, none };

Family family_of(MapType type) {
  switch (type) {
    case MapType::array:
    case MapType::percpu_array: return Family::array;
    case MapType::hash:
    case MapType::percpu_hash:
    case MapType::lru_hash:
    case MapType::lru_percpu_hash: return Family::hash;
    default: return Family::none;
  }
}

struct Batch {
  std::uint64_t elem_flags = 0;
  std::uint64_t flags = 0;
};

// Reads the opts, or fails with EINVAL.
bool read_opts(const bpf_map_batch_opts* opts, Batch& batch) {
  if (!XBPF_OPTS_VALID(opts, bpf_map_batch_opts)) return false;
  batch.elem_flags = XBPF_OPTS_GET(opts, elem_flags, 0ULL);
  batch.flags = XBPF_OPTS_GET(opts, flags, 0ULL);
  return batch.flags == 0;
}

// Lookup (and delete) in a batch: `count` in, what was copied out. A negative Linux errno
// (-ENOENT once the walk reached the end) or 0.
long lookup_batch(MapResource& map, const void* in_batch, void* out_batch, void* keys, void* values,
                  __u32* count, std::uint64_t elem_flags, bool and_delete) {
  const Family family = family_of(map.map->type());
  if (family == Family::none || (and_delete && family != Family::hash)) return -abi::kENOTSUPP;
  if ((elem_flags & ~abi::kLock) != 0) return -abi::kEINVAL;
  const __u32 wanted = *count;
  *count = 0;
  if (wanted == 0) return 0;
  const std::size_t key_size = map.map->spec().key_size;
  const std::size_t value_size = user_value_size(map);
  std::vector<std::uint8_t> previous(key_size);
  std::vector<std::uint8_t> key(key_size);
  bool have_previous = false;
  __u32 position = 0;  // hash maps: the keys before the batch
  if (family == Family::array && in_batch != nullptr) {
    std::memcpy(previous.data(), in_batch, key_size);
    have_previous = true;
  }
  if (family == Family::hash && in_batch != nullptr) std::memcpy(&position, in_batch, 4);
  // A hash map's walk starts again from its first key and skips what earlier batches saw
  // (for lookup and delete, those are gone).
  for (__u32 skipped = 0; family == Family::hash && !and_delete && skipped < position; ++skipped) {
    if (map_next_key(map, have_previous ? previous.data() : nullptr, key.data()) != 0) break;
    previous.swap(key);
    have_previous = true;
  }
  long result = 0;
  __u32 copied = 0;
  auto* key_out = static_cast<std::uint8_t*>(keys);
  auto* value_out = static_cast<std::uint8_t*>(values);
  while (copied < wanted) {
    result = map_next_key(map, have_previous ? previous.data() : nullptr, key.data());
    if (result != 0) break;
    std::uint8_t* value = value_out + copied * value_size;
    result = and_delete ? map_lookup_and_delete(map, key.data(), value, elem_flags)
                        : map_lookup(map, key.data(), value, elem_flags);
    if (result != 0 && result != -abi::kENOENT) break;
    if (result == 0) {
      std::memcpy(key_out + copied * key_size, key.data(), key_size);
      ++copied;
    }
    // (A key deleted meanwhile is passed over.) Lookup and delete takes the walk's first key
    // each time; a lookup moves past the key.
    if (!and_delete) {
      previous.swap(key);
      have_previous = true;
    }
  }
  *count = copied;
  if (family == Family::array && copied != 0) std::memcpy(out_batch, previous.data(), key_size);
  if (family == Family::hash) {
    const __u32 next = and_delete ? position : position + copied;
    std::memcpy(out_batch, &next, 4);
  }
  return result;
}

}  // namespace

int bpf_map_lookup_batch(int fd, void* in_batch, void* out_batch, void* keys, void* values,
                         __u32* count, const struct bpf_map_batch_opts* opts) {
  Batch batch;
  if (!read_opts(opts, batch)) return fail(EINVAL);
  int error = 0;
  std::shared_ptr<MapResource> map = map_of(fd, &error);
  if (map == nullptr) return fail(error);
  return fail_linux(
      lookup_batch(*map, in_batch, out_batch, keys, values, count, batch.elem_flags, false));
}

int bpf_map_lookup_and_delete_batch(int fd, void* in_batch, void* out_batch, void* keys,
                                    void* values, __u32* count,
                                    const struct bpf_map_batch_opts* opts) {
  Batch batch;
  if (!read_opts(opts, batch)) return fail(EINVAL);
  int error = 0;
  std::shared_ptr<MapResource> map = map_of(fd, &error);
  if (map == nullptr) return fail(error);
  return fail_linux(
      lookup_batch(*map, in_batch, out_batch, keys, values, count, batch.elem_flags, true));
}

int bpf_map_update_batch(int fd, const void* keys, const void* values, __u32* count,
                         const struct bpf_map_batch_opts* opts) {
  Batch batch;
  if (!read_opts(opts, batch)) return fail(EINVAL);
  int error = 0;
  std::shared_ptr<MapResource> map = map_of(fd, &error);
  if (map == nullptr) return fail(error);
  if (family_of(map->map->type()) == Family::none) return fail_linux(-abi::kENOTSUPP);
  if ((batch.elem_flags & ~abi::kLock) != 0) return fail(EINVAL);
  const std::size_t key_size = map->map->spec().key_size;
  const std::size_t value_size = user_value_size(*map);
  const __u32 wanted = *count;
  __u32 done = 0;
  long result = 0;
  for (; done < wanted; ++done) {
    result =
        map_update(*map, static_cast<const std::uint8_t*>(keys) + done * key_size,
                   static_cast<const std::uint8_t*>(values) + done * value_size, batch.elem_flags);
    if (result != 0) break;
  }
  *count = done;
  return fail_linux(result);
}

int bpf_map_delete_batch(int fd, const void* keys, __u32* count,
                         const struct bpf_map_batch_opts* opts) {
  Batch batch;
  if (!read_opts(opts, batch)) return fail(EINVAL);
  int error = 0;
  std::shared_ptr<MapResource> map = map_of(fd, &error);
  if (map == nullptr) return fail(error);
  if (family_of(map->map->type()) != Family::hash) return fail_linux(-abi::kENOTSUPP);
  if (batch.elem_flags != 0) return fail(EINVAL);
  const std::size_t key_size = map->map->spec().key_size;
  const __u32 wanted = *count;
  __u32 done = 0;
  long result = 0;
  for (; done < wanted; ++done) {
    result = map_delete(*map, static_cast<const std::uint8_t*>(keys) + done * key_size, 0);
    if (result != 0) break;
  }
  *count = done;
  return fail_linux(result);
}
