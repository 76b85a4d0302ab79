// Shared by the maps' tests: creating maps, byte buffers, a registry of maps and programs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "runtime/maps/map.h"
#include "support/linux_abi.h"

namespace xbpf::runtime::test {

using namespace linux_abi;  // NOLINT(google-build-using-namespace)
using Bytes = std::vector<std::uint8_t>;

inline MapSpec spec_of(MapType type, std::uint32_t key_size, std::uint32_t value_size,
                       std::uint32_t max_entries, std::uint32_t flags = 0) {
  MapSpec spec;
  spec.type = type;
  spec.key_size = key_size;
  spec.value_size = value_size;
  spec.max_entries = max_entries;
  spec.flags = flags;
  return spec;
}

inline std::shared_ptr<Map> make_map(const MapSpec& spec, MapRegistry* registry = nullptr) {
  Result<std::shared_ptr<Map>> map = Map::create(spec, registry);
  EXPECT_TRUE(map.ok()) << map.error().to_string();
  return map.ok() ? *map : nullptr;
}

inline long create_errno(const MapSpec& spec) {
  Result<std::shared_ptr<Map>> map = Map::create(spec);
  return map.ok() ? 0 : map.error().linux_errno;
}

template <class T>
Bytes bytes_of(const T& value) {
  Bytes out(sizeof(T));
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

inline std::uint32_t u32_at(const void* p, std::size_t offset = 0) {
  std::uint32_t v;
  std::memcpy(&v, static_cast<const std::uint8_t*>(p) + offset, 4);
  return v;
}
inline std::uint64_t u64_at(const void* p, std::size_t offset = 0) {
  std::uint64_t v;
  std::memcpy(&v, static_cast<const std::uint8_t*>(p) + offset, 8);
  return v;
}

// Maps and programs by id, as the runtime resolves them.
class FakeRegistry final : public MapRegistry {
 public:
  std::uint32_t add(std::shared_ptr<Map> map, std::uint32_t id = 0) {
    if (id == 0) id = ++last_;
    map->set_id(id);
    maps_[id] = std::move(map);
    return id;
  }
  std::uint32_t add(std::shared_ptr<const vm::Program> program, std::uint32_t id = 0) {
    if (id == 0) id = ++last_;
    programs_[id] = std::move(program);
    return id;
  }
  std::shared_ptr<Map> map_by_id(std::uint32_t id) override {
    auto it = maps_.find(id);
    return it == maps_.end() ? nullptr : it->second;
  }
  std::shared_ptr<const vm::Program> program_by_id(std::uint32_t id) override {
    auto it = programs_.find(id);
    return it == programs_.end() ? nullptr : it->second;
  }

 private:
  std::uint32_t last_ = 1000;
  std::map<std::uint32_t, std::shared_ptr<Map>> maps_;
  std::map<std::uint32_t, std::shared_ptr<const vm::Program>> programs_;
};

// A stand-in program: maps store and return program pointers without running them, so an
// aliasing shared_ptr to a distinct dummy object will do.
inline std::shared_ptr<const vm::Program> fake_program() {
  auto owner = std::make_shared<std::uint64_t>(0);
  return std::shared_ptr<const vm::Program>(owner,
                                            reinterpret_cast<const vm::Program*>(owner.get()));
}

// A small deterministic generator for scripted sequences.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ULL + 1) {}
  std::uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }

 private:
  std::uint64_t state_;
};

}  // namespace xbpf::runtime::test
