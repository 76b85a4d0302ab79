// Shared by the runtime tests: the test frames, loading an object into xbpf, and reading the
// results the runtime_*.bpf.c programs leave in their output packet.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../programs/runtime_common.h"
#include "aot/image.h"
#include "object/object.h"
#include "platform/platform.h"
#include "runtime/native_image.h"
#include "runtime/runtime.h"
#include "runtime/test_run.h"
#include "support/files.h"
#include "test_paths.h"

namespace xbpf::runtime::test {

using Bytes = std::vector<std::uint8_t>;

inline std::filesystem::path programs_dir() {
  return xbpf::test::binary_dir() / "tests" / "programs";
}

inline std::filesystem::path program_object(const std::string& name, int cpu) {
  return programs_dir() / (name + ".v" + std::to_string(cpu) + ".o");
}

namespace frames {

inline void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

inline void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  put16(b, at, static_cast<std::uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<std::uint16_t>(v));
}

// The Internet checksum of bytes [from, to) plus `sum`, folded and complemented.
inline std::uint16_t checksum(const Bytes& b, std::size_t from, std::size_t to,
                              std::uint32_t sum = 0) {
  for (std::size_t i = from; i < to; i += 2) {
    sum += static_cast<std::uint32_t>(b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  }
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

inline constexpr std::uint32_t kSource = 0xc0a8010a;       // 192.168.1.10
inline constexpr std::uint32_t kDestination = 0x0a010203;  // 10.1.2.3
inline constexpr std::uint16_t kUdpSourcePort = 40000, kUdpDestPort = 53;
inline constexpr std::uint16_t kTcpSourcePort = 443, kTcpDestPort = 51000;
inline constexpr std::uint32_t kTcpSequence = 0x8badf00d;

// Ethernet (to 52:54:00:12:34:56 from 52:54:00:65:43:21), IPv4 (192.168.1.10 -> 10.1.2.3,
// checksum valid), then a UDP or TCP header (checksums valid) and a patterned payload.
inline Bytes ipv4_frame(std::size_t size, std::uint8_t protocol) {
  Bytes b(size, 0);
  const std::uint8_t macs[12] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
                                 0x52, 0x54, 0x00, 0x65, 0x43, 0x21};
  std::memcpy(b.data(), macs, sizeof macs);
  put16(b, 12, 0x0800);
  const std::size_t ip = 14, l4 = 34;
  b[ip] = 0x45;
  put16(b, ip + 2, static_cast<std::uint16_t>(size - ip));
  put16(b, ip + 4, 0x1c46);
  put16(b, ip + 6, 0x4000);  // DF
  b[ip + 8] = 64;
  b[ip + 9] = protocol;
  put32(b, ip + 12, kSource);
  put32(b, ip + 16, kDestination);
  const std::size_t header = protocol == 17 ? 8 : 20;
  for (std::size_t i = l4 + header; i < size; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  if (protocol == 17) {
    put16(b, l4, kUdpSourcePort);
    put16(b, l4 + 2, kUdpDestPort);
    put16(b, l4 + 4, static_cast<std::uint16_t>(size - l4));
  } else {
    put16(b, l4, kTcpSourcePort);
    put16(b, l4 + 2, kTcpDestPort);
    put32(b, l4 + 4, kTcpSequence);
    put32(b, l4 + 8, 0x00c0ffee);
    b[l4 + 12] = 0x50;  // data offset 5
    b[l4 + 13] = 0x18;  // PSH | ACK
    put16(b, l4 + 14, 502);
  }
  put16(b, ip + 10, checksum(b, ip, l4));
  // The pseudo header: addresses, protocol, L4 length.
  std::uint32_t pseudo = (kSource >> 16) + (kSource & 0xffff) + (kDestination >> 16) +
                         (kDestination & 0xffff) + protocol + static_cast<std::uint32_t>(size - l4);
  const std::uint16_t sum = checksum(b, l4, size, pseudo);
  put16(b, protocol == 17 ? l4 + 6 : l4 + 16, sum);
  return b;
}

inline Bytes udp_frame() { return ipv4_frame(342, 17); }
inline Bytes tcp_frame() { return ipv4_frame(400, 6); }

}  // namespace frames

// An xbpf runtime with one object loaded.
using XbpfObject = LoadedFile;

inline std::string trace_file() {
  return (xbpf::test::binary_dir() / "runtime_test_trace_pipe").string();
}

inline Result<XbpfObject> load_xbpf(const std::filesystem::path& path, unsigned possible_cpus = 0) {
  RuntimeOptions options;
  options.possible_cpus = possible_cpus;
  options.trace_output = trace_file();
  // The runtime's tests run every program of tests/programs, the ones the verifier cannot
  // prove safe yet included (verifier_programs_test.cpp lists them); the verifier's own
  // tests cover verification.
  options.verify = false;
  return load_file(path.string(), options);
}

// The same with every program's native code (Engine::native) from an image built for the
// object (cached by content). Not verified: the image is what the differential tests compare
// with the interpreter, whether or not the verifier can prove the program yet.
inline Result<XbpfObject> load_xbpf_native(const std::filesystem::path& path,
                                           unsigned possible_cpus = 0) {
  Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
  if (!bytes) return std::move(bytes).error();
  Result<object::Object> object = object::read_object(std::move(*bytes), path.string());
  if (!object) return std::move(object).error();
  NativeBuildOptions build;
  build.verify = false;
  // Other tests point XBPF_STATE_DIR at directories they remove afterwards.
  if (std::optional<std::string> state = platform::environment_variable("XBPF_STATE_DIR")) {
    std::error_code ignored;
    std::filesystem::create_directories(*state, ignored);
  }
  Result<std::shared_ptr<const aot::Image>> image = cached_native_image(*object, build);
  if (!image) return std::move(image).error();
  RuntimeOptions options;
  options.possible_cpus = possible_cpus;
  options.trace_output = trace_file();
  options.native_image = std::move(*image);
  XbpfObject file;
  file.runtime = std::make_unique<Runtime>(options);
  Result<std::shared_ptr<LoadedObject>> loaded = file.runtime->load(std::move(*object));
  if (!loaded) return std::move(loaded).error();
  file.object = std::move(*loaded);
  return file;
}

// The engines a differential test compares: both interpreters and the JIT always, native code
// where a C compiler is found to build its image (a note says once when it is not).
inline std::vector<vm::Engine> engines_to_compare() {
  static const bool have_compiler = [] {
    const bool found = aot::find_c_compiler().has_value();
    if (!found) std::printf("note: no C compiler found: native images are not compared\n");
    return found;
  }();
  std::vector<vm::Engine> engines = {vm::Engine::interpreter, vm::Engine::checked, vm::Engine::jit};
  if (have_compiler) engines.push_back(vm::Engine::native);
  return engines;
}

// Device maps cannot be filled by programs: the tests put ifindex 1 (lo) at key 1 of every
// devmap and devmap_hash, in xbpf and in the kernel alike.
inline constexpr std::uint32_t kDeviceKey = 1, kDeviceIfindex = 1;

inline bool is_device_map(std::uint32_t type) {
  return type == static_cast<std::uint32_t>(linux_abi::MapType::devmap) ||
         type == static_cast<std::uint32_t>(linux_abi::MapType::devmap_hash);
}

inline long fill_device_maps(const LoadedObject& object) {
  for (const LoadedMap& map : object.maps()) {
    if (!is_device_map(static_cast<std::uint32_t>(map.map->type()))) continue;
    Bytes value(map.map->spec().value_size, 0);
    std::memcpy(value.data(), &kDeviceIfindex, 4);
    const long updated = map.map->user_update(&kDeviceKey, value.data(), linux_abi::kAny);
    if (updated != 0) return updated;
  }
  return 0;
}

// The signed 32-bit result slot `slot` of a packet whose results start at `base`.
inline std::int32_t slot_at(const Bytes& packet, std::size_t slot,
                            std::size_t base = RESULT_OFFSET) {
  std::int32_t value = 0;
  const std::size_t at = base + 4 * slot;
  if (at + 4 <= packet.size()) std::memcpy(&value, packet.data() + at, 4);
  return value;
}

// Every (key, value) of an xbpf map as user space sees it, sorted (hash orders differ).
inline std::vector<std::pair<Bytes, Bytes>> sorted_entries(Map& map) {
  std::vector<std::pair<Bytes, Bytes>> out;
  Bytes key(std::max<std::uint32_t>(map.spec().key_size, 1)), next(key.size()),
      value(map.user_value_size());
  const void* previous = nullptr;
  while (map.get_next_key(previous, next.data()) == 0 && out.size() < 100000) {
    if (map.user_lookup(next.data(), value.data(), 0) == 0) out.emplace_back(next, value);
    key = next;
    previous = key.data();
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The contents of an object's maps whose contents depend only on what the programs did
// (arrays, hashes, per-CPU maps, LPM tries, global data), by map name: two engines running
// the same programs on the same inputs must leave them equal.
inline std::map<std::string, std::vector<std::pair<Bytes, Bytes>>> map_snapshot(
    const LoadedObject& object) {
  std::map<std::string, std::vector<std::pair<Bytes, Bytes>>> out;
  for (const LoadedMap& map : object.maps()) {
    switch (map.map->type()) {
      case MapType::array:
      case MapType::percpu_array:
      case MapType::hash:
      case MapType::percpu_hash:
      case MapType::lpm_trie: out[map.name] = sorted_entries(*map.map); break;
      default: break;
    }
  }
  return out;
}

}  // namespace xbpf::runtime::test
