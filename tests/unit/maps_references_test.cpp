// Maps holding references: program arrays, arrays and hashes of maps, device maps.
#include <gtest/gtest.h>

#include "maps_test_util.h"
#include "runtime/maps/devmap.h"
#include "runtime/maps/prog_array.h"

namespace xbpf::runtime::test {
namespace {

TEST(MapProgArray, HoldsProgramsByIdForTailCalls) {
  FakeRegistry registry;
  auto p1 = fake_program(), p2 = fake_program();
  std::uint32_t id1 = registry.add(p1), id2 = registry.add(p2);
  auto map = std::dynamic_pointer_cast<ProgArray>(
      make_map(spec_of(MapType::prog_array, 4, 4, 4), &registry));
  ASSERT_NE(map, nullptr);
  std::uint32_t k0 = 0, k3 = 3, k4 = 4, out = 0, unknown = 77;
  EXPECT_EQ(map->program_at(0), nullptr);
  EXPECT_EQ(map->user_update(&k0, &id1, kAny), 0);
  EXPECT_EQ(map->program_at(0), p1.get());
  EXPECT_EQ(map->user_update(&k0, &id2, kAny), 0);
  EXPECT_EQ(map->program_at(0), p2.get());
  EXPECT_EQ(map->user_lookup(&k0, &out, 0), 0);
  EXPECT_EQ(out, id2);
  EXPECT_EQ(map->user_lookup(&k3, &out, 0), -kENOENT);
  EXPECT_EQ(map->user_lookup(&k4, &out, 0), -kENOENT);
  EXPECT_EQ(map->user_update(&k3, &id1, kNoExist), -kEINVAL);  // only BPF_ANY
  EXPECT_EQ(map->user_update(&k3, &id1, kExist), -kEINVAL);
  EXPECT_EQ(map->user_update(&k4, &id1, kAny), -kE2BIG);
  EXPECT_EQ(map->user_update(&k3, &unknown, kAny), -kEBADF);
  EXPECT_EQ(map->user_delete(&k3), -kENOENT);
  EXPECT_EQ(map->user_delete(&k4), -kE2BIG);
  EXPECT_EQ(map->user_delete(&k0), 0);
  EXPECT_EQ(map->program_at(0), nullptr);
  EXPECT_EQ(map->program_at(1000), nullptr);
  // Programs may only tail-call through it.
  EXPECT_EQ(map->lookup(&k0, 0), nullptr);
  EXPECT_EQ(map->update(&k0, &id1, kAny, 0), -kEOPNOTSUPP);
  EXPECT_EQ(map->erase(&k0, 0), -kEOPNOTSUPP);
  EXPECT_EQ(create_errno(spec_of(MapType::prog_array, 4, 8, 4)), kEINVAL);
}

TEST(MapInMap, ArrayOfMapsChecksInnerMapsAndReturnsThemToPrograms) {
  FakeRegistry registry;
  auto inner = make_map(spec_of(MapType::array, 4, 8, 4));
  auto other_size = make_map(spec_of(MapType::array, 4, 8, 5));
  auto other_type = make_map(spec_of(MapType::hash, 4, 8, 4));
  std::uint32_t id = registry.add(inner), id_size = registry.add(other_size),
                id_type = registry.add(other_type);
  MapSpec spec = spec_of(MapType::array_of_maps, 4, 4, 2);
  spec.inner = std::make_shared<MapSpec>(inner->spec());
  auto map = make_map(spec, &registry);
  ASSERT_NE(map, nullptr);
  std::uint32_t k0 = 0, k1 = 1, k2 = 2, out = 0, unknown = 5;
  EXPECT_EQ(map->user_update(&k0, &id, kAny), 0);
  EXPECT_EQ(map->lookup(&k0, 0), inner.get());
  EXPECT_EQ(map->lookup(&k1, 0), nullptr);
  EXPECT_EQ(map->lookup(&k2, 0), nullptr);
  EXPECT_EQ(map->user_lookup(&k0, &out, 0), 0);
  EXPECT_EQ(out, id);
  EXPECT_EQ(map->user_update(&k1, &id_size, kAny), -kEINVAL);  // max_entries differs
  EXPECT_EQ(map->user_update(&k1, &id_type, kAny), -kEINVAL);
  EXPECT_EQ(map->user_update(&k1, &unknown, kAny), -kEBADF);
  EXPECT_EQ(map->user_update(&k1, &id, kNoExist), -kEINVAL);
  EXPECT_EQ(map->user_update(&k2, &id, kAny), -kE2BIG);
  EXPECT_EQ(map->update(&k1, &id, kAny, 0), -kEOPNOTSUPP);
  EXPECT_EQ(map->user_delete(&k1), -kENOENT);
  EXPECT_EQ(map->user_delete(&k0), 0);
  EXPECT_EQ(map->lookup(&k0, 0), nullptr);

  // BPF_F_INNER_MAP in the template lets array sizes differ.
  MapSpec relaxed = spec;
  relaxed.inner = std::make_shared<MapSpec>(spec_of(MapType::array, 4, 8, 1, kInnerMap));
  auto any_size = make_map(relaxed, &registry);
  auto inner_a = make_map(spec_of(MapType::array, 4, 8, 3, kInnerMap));
  auto inner_b = make_map(spec_of(MapType::array, 4, 8, 9, kInnerMap));
  std::uint32_t ida = registry.add(inner_a), idb = registry.add(inner_b);
  EXPECT_EQ(any_size->user_update(&k0, &ida, kAny), 0);
  EXPECT_EQ(any_size->user_update(&k1, &idb, kAny), 0);
  EXPECT_EQ(any_size->user_update(&k1, &id, kAny), -kEINVAL);  // flags differ

  MapSpec no_inner = spec_of(MapType::array_of_maps, 4, 4, 2);
  EXPECT_EQ(create_errno(no_inner), kEBADF);
  no_inner.inner = std::make_shared<MapSpec>(spec);
  EXPECT_EQ(create_errno(no_inner), kEINVAL);  // no map of maps of maps
}

TEST(MapInMap, HashOfMaps) {
  FakeRegistry registry;
  auto a = make_map(spec_of(MapType::hash, 4, 4, 8));
  auto b = make_map(spec_of(MapType::hash, 4, 4, 100));  // hashes may differ in size
  std::uint32_t ida = registry.add(a), idb = registry.add(b);
  MapSpec spec = spec_of(MapType::hash_of_maps, 8, 4, 2);
  spec.inner = std::make_shared<MapSpec>(a->spec());
  auto map = make_map(spec, &registry);
  ASSERT_NE(map, nullptr);
  std::uint64_t k1 = 1, k2 = 2, k3 = 3;
  std::uint32_t out = 0;
  EXPECT_EQ(map->user_update(&k1, &ida, kExist), -kENOENT);
  EXPECT_EQ(map->user_update(&k1, &ida, kNoExist), 0);
  EXPECT_EQ(map->user_update(&k2, &idb, kAny), 0);
  EXPECT_EQ(map->user_update(&k3, &idb, kAny), -kE2BIG);
  EXPECT_EQ(map->lookup(&k1, 0), a.get());
  EXPECT_EQ(map->lookup(&k2, 0), b.get());
  EXPECT_EQ(map->user_update(&k2, &ida, kExist), 0);
  EXPECT_EQ(map->lookup(&k2, 0), a.get());
  EXPECT_EQ(map->user_lookup(&k2, &out, 0), 0);
  EXPECT_EQ(out, ida);
  EXPECT_EQ(map->user_lookup_and_delete(&k2, &out, 0), -kENOTSUPP);
  EXPECT_EQ(map->user_delete(&k2), 0);
  EXPECT_EQ(map->lookup(&k2, 0), nullptr);
  EXPECT_EQ(map->erase(&k1, 0), -kEOPNOTSUPP);
}

TEST(MapDevmap, ArrayOfDevices) {
  FakeRegistry registry;
  std::uint32_t prog = registry.add(fake_program());
  auto map = make_map(spec_of(MapType::devmap, 4, 8, 4), &registry);
  ASSERT_NE(map, nullptr);
  DeviceMap* devices = as_device_map(*map);
  ASSERT_NE(devices, nullptr);
  std::uint32_t k1 = 1, k9 = 9;
  DevmapValue v{3, 0}, out{};
  EXPECT_EQ(map->user_update(&k1, &v, kNoExist), -kEEXIST);
  EXPECT_EQ(map->user_update(&k9, &v, kAny), -kE2BIG);
  EXPECT_EQ(map->user_update(&k1, &v, kExist), 0);
  EXPECT_EQ(devices->target_ifindex(1), 3U);
  EXPECT_EQ(devices->target_ifindex(0), std::nullopt);
  EXPECT_EQ(devices->target_ifindex(9), std::nullopt);
  v.program_id = prog;
  EXPECT_EQ(map->user_update(&k1, &v, kAny), 0);
  EXPECT_EQ(map->user_lookup(&k1, &out, 0), 0);
  EXPECT_EQ(out.ifindex, 3U);
  EXPECT_EQ(out.program_id, prog);
  auto* in_place = static_cast<DevmapValue*>(map->lookup(&k1, 0));
  ASSERT_NE(in_place, nullptr);
  EXPECT_EQ(in_place->ifindex, 3U);
  v.program_id = 12345;
  EXPECT_EQ(map->user_update(&k1, &v, kAny), -kEINVAL);  // no such program
  DevmapValue none{0, 0};
  EXPECT_EQ(map->user_update(&k1, &none, kAny), 0);  // ifindex 0 empties the slot
  EXPECT_EQ(map->user_lookup(&k1, &out, 0), -kENOENT);
  EXPECT_EQ(map->user_delete(&k1), 0);  // deleting never says ENOENT
  EXPECT_EQ(map->user_delete(&k9), -kEINVAL);
  std::uint32_t next = 0;
  EXPECT_EQ(map->get_next_key(&k1, &next), 0);  // every index, present or not
  EXPECT_EQ(next, 2U);
  EXPECT_EQ(map->update(&k1, &v, kAny, 0), -kEOPNOTSUPP);
  auto array = make_map(spec_of(MapType::array, 4, 4, 1));
  EXPECT_EQ(as_device_map(*array), nullptr);
}

TEST(MapDevmap, HashOfDevices) {
  auto map = make_map(spec_of(MapType::devmap_hash, 4, 4, 2));
  ASSERT_NE(map, nullptr);
  DeviceMap* devices = as_device_map(*map);
  ASSERT_NE(devices, nullptr);
  std::uint32_t k = 1000, k2 = 2000, k3 = 3000, ifindex = 5, zero = 0, out = 0;
  EXPECT_EQ(map->user_update(&k, &ifindex, kExist), 0);  // BPF_EXIST inserts here
  EXPECT_EQ(map->user_update(&k, &ifindex, kNoExist), -kEEXIST);
  EXPECT_EQ(map->user_update(&k, &zero, kNoExist), -kEINVAL);  // the value first
  EXPECT_EQ(map->user_update(&k2, &ifindex, kAny), 0);
  EXPECT_EQ(map->user_update(&k3, &ifindex, kAny), -kE2BIG);
  EXPECT_EQ(devices->target_ifindex(1000), 5U);
  EXPECT_EQ(devices->target_ifindex(1), std::nullopt);
  EXPECT_EQ(map->user_lookup(&k2, &out, 0), 0);
  EXPECT_EQ(out, 5U);
  EXPECT_EQ(map->user_delete(&k3), -kENOENT);
  EXPECT_EQ(map->user_delete(&k2), 0);
  EXPECT_EQ(create_errno(spec_of(MapType::devmap_hash, 4, 6, 2)), kEINVAL);
}

}  // namespace
}  // namespace xbpf::runtime::test
