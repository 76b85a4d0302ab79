// BPF_MAP_TYPE_ARRAY and PERCPU_ARRAY: in-place values, index checks, flags, per-CPU layout.
#include <gtest/gtest.h>

#include "maps_test_util.h"
#include "runtime/maps/spin_lock.h"

namespace xbpf::runtime::test {
namespace {

TEST(MapArray, ValuesStartZeroAndUpdateInPlace) {
  auto map = make_map(spec_of(MapType::array, 4, 8, 4));
  ASSERT_NE(map, nullptr);
  std::uint32_t key = 2;
  auto* value = static_cast<std::uint64_t*>(map->lookup(&key, 0));
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, 0U);
  std::uint64_t v = 0x1122334455667788;
  EXPECT_EQ(map->update(&key, &v, kAny, 0), 0);
  EXPECT_EQ(*value, v);  // the program's pointer sees the update
  std::uint64_t out = 0;
  EXPECT_EQ(map->user_lookup(&key, &out, 0), 0);
  EXPECT_EQ(out, v);
  *value = 5;  // a program writes in place
  EXPECT_EQ(map->user_lookup(&key, &out, 0), 0);
  EXPECT_EQ(out, 5U);
}

TEST(MapArray, ErrnoAtEveryEdge) {
  auto map = make_map(spec_of(MapType::array, 4, 4, 4));
  ASSERT_NE(map, nullptr);
  std::uint32_t in = 3, out_of_range = 4, v = 1, out = 0;
  EXPECT_EQ(map->user_update(&in, &v, kNoExist), -kEEXIST);
  EXPECT_EQ(map->user_update(&in, &v, kExist), 0);
  EXPECT_EQ(map->user_update(&in, &v, kAny), 0);
  EXPECT_EQ(map->user_update(&in, &v, 3), -kEINVAL);
  EXPECT_EQ(map->user_update(&in, &v, kLock), -kEINVAL);  // no spin lock in the value
  EXPECT_EQ(map->user_update(&out_of_range, &v, kAny), -kE2BIG);
  EXPECT_EQ(map->user_update(&out_of_range, &v, kNoExist), -kE2BIG);
  EXPECT_EQ(map->user_lookup(&out_of_range, &out, 0), -kENOENT);
  EXPECT_EQ(map->user_lookup(&in, &out, kLock), -kEINVAL);
  EXPECT_EQ(map->user_lookup(&in, &out, 8), -kEINVAL);
  EXPECT_EQ(map->lookup(&out_of_range, 0), nullptr);
  EXPECT_EQ(map->user_delete(&in), -kEINVAL);
  EXPECT_EQ(map->erase(&in, 0), -kEINVAL);
  EXPECT_EQ(map->user_lookup_and_delete(&in, &out, 0), -kENOTSUPP);
  EXPECT_EQ(map->update(&in, &v, kNoExist, 0), -kEEXIST);
  EXPECT_EQ(map->update(&out_of_range, &v, kAny, 0), -kE2BIG);
}

TEST(MapArray, GetNextKeyWalksEveryIndex) {
  auto map = make_map(spec_of(MapType::array, 4, 4, 3));
  ASSERT_NE(map, nullptr);
  std::uint32_t next = 99;
  EXPECT_EQ(map->get_next_key(nullptr, &next), 0);
  EXPECT_EQ(next, 0U);
  std::uint32_t key = 0;
  EXPECT_EQ(map->get_next_key(&key, &next), 0);
  EXPECT_EQ(next, 1U);
  key = 2;
  EXPECT_EQ(map->get_next_key(&key, &next), -kENOENT);
  key = 77;  // out of range: the first index
  EXPECT_EQ(map->get_next_key(&key, &next), 0);
  EXPECT_EQ(next, 0U);
}

TEST(MapArray, PerCpuValuesAreOnePerCpuEachPaddedTo8) {
  MapSpec spec = spec_of(MapType::percpu_array, 4, 4, 2);
  spec.possible_cpus = 3;
  auto map = make_map(spec);
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->user_value_size(), 24U);
  std::uint32_t key = 1;
  for (unsigned cpu = 0; cpu < 3; ++cpu) {
    std::uint32_t v = 10 + cpu;
    EXPECT_EQ(map->update(&key, &v, kAny, cpu), 0);
  }
  std::uint8_t all[24];
  EXPECT_EQ(map->user_lookup(&key, all, 0), 0);
  for (unsigned cpu = 0; cpu < 3; ++cpu) {
    EXPECT_EQ(u32_at(all, cpu * 8), 10 + cpu);
    EXPECT_EQ(u32_at(all, cpu * 8 + 4), 0U);
    EXPECT_EQ(u32_at(map->lookup(&key, cpu)), 10 + cpu);
  }
  std::uint64_t in[3] = {1, 2, 3};
  EXPECT_EQ(map->user_update(&key, in, kAny), 0);
  EXPECT_EQ(u32_at(map->lookup(&key, 2)), 3U);
  EXPECT_EQ(map->user_update(&key, in, kLock), -kEINVAL);
  EXPECT_EQ(map->user_update(&key, in, kNoExist), -kEEXIST);
}

TEST(MapArray, SpinLockedValues) {
  MapSpec spec = spec_of(MapType::array, 4, 12, 1);
  spec.spin_lock_offset = 4;
  auto map = make_map(spec);
  ASSERT_NE(map, nullptr);
  std::uint32_t key = 0;
  std::uint32_t in[3] = {7, 0xdead, 9};
  EXPECT_EQ(map->user_update(&key, in, kLock), 0);
  std::uint32_t out[3] = {};
  EXPECT_EQ(map->user_lookup(&key, out, kLock), 0);
  EXPECT_EQ(out[0], 7U);
  EXPECT_EQ(out[1], 0U);  // the lock word is neither copied nor shown
  EXPECT_EQ(out[2], 9U);
  // The program-side lock is the word inside the value.
  auto* value = static_cast<std::uint8_t*>(map->lookup(&key, 0));
  lock_value(value + 4);
  EXPECT_EQ(u32_at(value, 4), 1U);
  unlock_value(value + 4);
  EXPECT_EQ(u32_at(value, 4), 0U);
}

TEST(MapArray, CreationRules) {
  EXPECT_EQ(create_errno(spec_of(MapType::array, 8, 4, 1)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::array, 4, 0, 1)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::array, 4, 4, 0)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::array, 4, 4, 1, kNoPrealloc)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::array, 4, 4, 1, kMmapable)), 0);
  EXPECT_EQ(create_errno(spec_of(MapType::percpu_array, 4, 4, 1, kMmapable)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::percpu_array, 4, 32769, 1)), kE2BIG);
  MapSpec lock = spec_of(MapType::array, 4, 8, 1);
  lock.spin_lock_offset = 6;
  EXPECT_EQ(create_errno(lock), kEINVAL);
  lock.spin_lock_offset = 8;
  EXPECT_EQ(create_errno(lock), kEINVAL);
  lock.type = MapType::percpu_array;
  lock.spin_lock_offset = 0;
  EXPECT_EQ(create_errno(lock), kEOPNOTSUPP);
  Result<std::shared_ptr<Map>> bad = Map::create(spec_of(MapType::array, 8, 4, 1));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("key_size 8, expected 4"), std::string::npos)
      << bad.error().message;
}

TEST(MapArray, AccessFlagsRefuseUserSpace) {
  auto ro = make_map(spec_of(MapType::array, 4, 4, 1, kRdonly));
  auto wo = make_map(spec_of(MapType::array, 4, 4, 1, kWronly));
  std::uint32_t key = 0, v = 1;
  EXPECT_EQ(ro->user_update(&key, &v, kAny), -kEPERM);
  EXPECT_EQ(ro->user_lookup(&key, &v, 0), 0);
  EXPECT_EQ(wo->user_lookup(&key, &v, 0), -kEPERM);
  EXPECT_EQ(wo->user_update(&key, &v, kAny), 0);
  EXPECT_EQ(ro->update(&key, &v, kAny, 0), 0);  // programs are not concerned
}

}  // namespace
}  // namespace xbpf::runtime::test
