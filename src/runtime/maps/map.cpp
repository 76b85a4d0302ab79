// Map::create (the common part of Linux's map_create) and what every type shares.
#include <mutex>
#include <random>

#include "runtime/maps/map_internal.h"

namespace xbpf::runtime {

using namespace linux_abi;  // NOLINT(google-build-using-namespace)

namespace {

bool is_percpu(MapType type) {
  return type == MapType::percpu_hash || type == MapType::percpu_array ||
         type == MapType::lru_percpu_hash;
}

}  // namespace

Result<std::shared_ptr<Map>> Map::create(const MapSpec& spec, MapRegistry* registry) {
  // bpf_get_file_flag comes first in map_create.
  if ((spec.flags & kRdonly) != 0 && (spec.flags & kWronly) != 0) {
    return maps::spec_error(spec, kEINVAL, "flags BPF_F_RDONLY and BPF_F_WRONLY together");
  }
  if (spec.possible_cpus == 0) {
    return maps::spec_error(spec, kEINVAL, "possible_cpus 0, expected at least 1");
  }
  if (spec.spin_lock_offset >= 0) {
    // map_check_btf: a bpf_spin_lock only in these types, 4-byte aligned inside the value.
    if (spec.type != MapType::hash && spec.type != MapType::array) {
      return maps::spec_error(spec, kEOPNOTSUPP,
                              "a bpf_spin_lock is allowed in hash and array maps only");
    }
    if (spec.spin_lock_offset % 4 != 0 ||
        static_cast<std::uint64_t>(spec.spin_lock_offset) + 4 > spec.value_size) {
      return maps::spec_error(spec, kEINVAL,
                              "bpf_spin_lock at offset " + std::to_string(spec.spin_lock_offset) +
                                  " does not fit 4-byte aligned in value_size " +
                                  std::to_string(spec.value_size));
    }
  }
  switch (spec.type) {
    case MapType::array:
    case MapType::percpu_array: return maps::create_array(spec);
    case MapType::prog_array: return maps::create_prog_array(spec, registry);
    case MapType::perf_event_array: return maps::create_perf_event_array(spec);
    case MapType::hash:
    case MapType::percpu_hash:
    case MapType::lru_hash:
    case MapType::lru_percpu_hash: return maps::create_hash(spec);
    case MapType::lpm_trie: return maps::create_lpm_trie(spec);
    case MapType::array_of_maps:
    case MapType::hash_of_maps: return maps::create_map_in_map(spec, registry);
    case MapType::queue:
    case MapType::stack: return maps::create_queue_stack(spec);
    case MapType::ringbuf: return maps::create_ringbuf(spec);
    case MapType::devmap:
    case MapType::devmap_hash: return maps::create_devmap(spec, registry);
    case MapType::unspec:
      return maps::spec_error(spec, kEINVAL, "map type 0 (BPF_MAP_TYPE_UNSPEC)");
    default: break;
  }
  if (static_cast<std::uint32_t>(spec.type) > static_cast<std::uint32_t>(MapType::arena)) {
    return maps::spec_error(
        spec, kEINVAL, "unknown map type " + std::to_string(static_cast<std::uint32_t>(spec.type)));
  }
  return maps::spec_error(spec, kEOPNOTSUPP,
                          "map type " + std::to_string(static_cast<std::uint32_t>(spec.type)) +
                              " is not supported by xbpf");
}

long Map::push(const void* /*value*/, std::uint64_t /*flags*/) { return -kEINVAL; }
long Map::pop(void* /*value*/) { return -kEINVAL; }
long Map::peek(void* /*value*/) { return -kEINVAL; }

long Map::user_lookup_and_delete(const void* /*key*/, void* /*value*/, std::uint64_t flags) {
  if ((flags & ~kLock) != 0) return -kEINVAL;
  if ((flags & kLock) != 0 && spec_.spin_lock_offset < 0) return -kEINVAL;
  return -kENOTSUPP;
}

std::size_t Map::user_value_size() const {
  switch (spec_.type) {
    case MapType::prog_array:
    case MapType::perf_event_array:
    case MapType::array_of_maps:
    case MapType::hash_of_maps: return 4;
    default: break;
  }
  if (is_percpu(spec_.type)) return maps::round_up8(spec_.value_size) * spec_.possible_cpus;
  return spec_.value_size;
}

namespace maps {

namespace {

constexpr std::uint32_t rol32(std::uint32_t w, unsigned s) { return (w << s) | (w >> (32 - s)); }

constexpr void jhash_mix(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  a -= c;
  a ^= rol32(c, 4);
  c += b;
  b -= a;
  b ^= rol32(a, 6);
  a += c;
  c -= b;
  c ^= rol32(b, 8);
  b += a;
  a -= c;
  a ^= rol32(c, 16);
  c += b;
  b -= a;
  b ^= rol32(a, 19);
  a += c;
  c -= b;
  c ^= rol32(b, 4);
  b += a;
}

constexpr void jhash_final(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  c ^= b;
  c -= rol32(b, 14);
  a ^= c;
  a -= rol32(c, 11);
  b ^= a;
  b -= rol32(a, 25);
  c ^= b;
  c -= rol32(b, 16);
  a ^= c;
  a -= rol32(c, 4);
  b ^= a;
  b -= rol32(a, 14);
  c ^= b;
  c -= rol32(b, 24);
}

constexpr std::uint32_t kJhashInitval = 0xdeadbeef;

std::uint32_t get32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

std::uint32_t jhash(const void* key, std::uint32_t length, std::uint32_t initval) {
  const auto* k = static_cast<const std::uint8_t*>(key);
  std::uint32_t a = kJhashInitval + length + initval;
  std::uint32_t b = a;
  std::uint32_t c = a;
  while (length > 12) {
    a += get32(k);
    b += get32(k + 4);
    c += get32(k + 8);
    jhash_mix(a, b, c);
    length -= 12;
    k += 12;
  }
  switch (length) {
    case 12: c += std::uint32_t{k[11]} << 24; [[fallthrough]];
    case 11: c += std::uint32_t{k[10]} << 16; [[fallthrough]];
    case 10: c += std::uint32_t{k[9]} << 8; [[fallthrough]];
    case 9: c += k[8]; [[fallthrough]];
    case 8: b += std::uint32_t{k[7]} << 24; [[fallthrough]];
    case 7: b += std::uint32_t{k[6]} << 16; [[fallthrough]];
    case 6: b += std::uint32_t{k[5]} << 8; [[fallthrough]];
    case 5: b += k[4]; [[fallthrough]];
    case 4: a += std::uint32_t{k[3]} << 24; [[fallthrough]];
    case 3: a += std::uint32_t{k[2]} << 16; [[fallthrough]];
    case 2: a += std::uint32_t{k[1]} << 8; [[fallthrough]];
    case 1:
      a += k[0];
      jhash_final(a, b, c);
      break;
    default: break;
  }
  return c;
}

std::uint32_t jhash2(const std::uint32_t* k, std::uint32_t length, std::uint32_t initval) {
  std::uint32_t a = kJhashInitval + (length << 2) + initval;
  std::uint32_t b = a;
  std::uint32_t c = a;
  while (length > 3) {
    a += k[0];
    b += k[1];
    c += k[2];
    jhash_mix(a, b, c);
    length -= 3;
    k += 3;
  }
  switch (length) {
    case 3: c += k[2]; [[fallthrough]];
    case 2: b += k[1]; [[fallthrough]];
    case 1:
      a += k[0];
      jhash_final(a, b, c);
      break;
    default: break;
  }
  return c;
}

std::uint32_t htab_hash(const void* key, std::uint32_t key_size, std::uint32_t seed) {
  if (key_size % 4 == 0) {
    // jhash2 over the key's words; the key may be unaligned (a program's stack, a packet).
    const auto* k = static_cast<const std::uint8_t*>(key);
    std::uint32_t length = key_size / 4;
    std::uint32_t a = kJhashInitval + (length << 2) + seed;
    std::uint32_t b = a;
    std::uint32_t c = a;
    while (length > 3) {
      a += get32(k);
      b += get32(k + 4);
      c += get32(k + 8);
      jhash_mix(a, b, c);
      length -= 3;
      k += 12;
    }
    switch (length) {
      case 3: c += get32(k + 8); [[fallthrough]];
      case 2: b += get32(k + 4); [[fallthrough]];
      case 1:
        a += get32(k);
        jhash_final(a, b, c);
        break;
      default: break;
    }
    return c;
  }
  return jhash(key, key_size, seed);
}

std::uint32_t random_seed() {
  static std::mutex mutex;
  static std::random_device device;
  std::lock_guard<std::mutex> guard(mutex);
  return device();
}

}  // namespace maps
}  // namespace xbpf::runtime
