// The hash family: flags and errno, full maps, per-CPU layouts, BPF_F_LOCK, get_next_key,
// LRU eviction.
#include <gtest/gtest.h>

#include <set>

#include "maps_test_util.h"
#include "runtime/maps/spin_lock.h"

namespace xbpf::runtime::test {
namespace {

std::set<std::uint32_t> keys_of(Map& map) {
  std::set<std::uint32_t> keys;
  std::uint32_t key = 0, next = 0;
  const void* previous = nullptr;
  while (map.get_next_key(previous, &next) == 0) {
    EXPECT_TRUE(keys.insert(next).second) << "key " << next << " walked twice";
    key = next;
    previous = &key;
  }
  return keys;
}

TEST(MapHash, UpdateFlagsAndErrno) {
  auto map = make_map(spec_of(MapType::hash, 4, 8, 2));
  ASSERT_NE(map, nullptr);
  std::uint32_t k1 = 1, k2 = 2, k3 = 3;
  std::uint64_t v = 10, out = 0;
  EXPECT_EQ(map->user_lookup(&k1, &out, 0), -kENOENT);
  EXPECT_EQ(map->user_update(&k1, &v, kExist), -kENOENT);
  EXPECT_EQ(map->user_update(&k1, &v, kNoExist), 0);
  EXPECT_EQ(map->user_update(&k1, &v, kNoExist), -kEEXIST);
  v = 11;
  EXPECT_EQ(map->user_update(&k1, &v, kExist), 0);
  EXPECT_EQ(map->user_lookup(&k1, &out, 0), 0);
  EXPECT_EQ(out, 11U);
  EXPECT_EQ(map->user_update(&k2, &v, kAny), 0);
  EXPECT_EQ(map->user_update(&k3, &v, kAny), -kE2BIG);  // full
  EXPECT_EQ(map->user_update(&k2, &v, kAny), 0);        // replacing in a full map
  EXPECT_EQ(map->user_update(&k3, &v, 3), -kEINVAL);
  EXPECT_EQ(map->user_update(&k1, &v, kLock), -kEINVAL);  // no spin lock
  EXPECT_EQ(map->user_lookup(&k1, &out, kLock), -kEINVAL);
  EXPECT_EQ(map->user_lookup(&k1, &out, 2), -kEINVAL);
  EXPECT_EQ(map->user_delete(&k3), -kENOENT);
  EXPECT_EQ(map->user_delete(&k2), 0);
  EXPECT_EQ(map->user_update(&k3, &v, kAny), 0);  // room again
  EXPECT_EQ(map->user_lookup_and_delete(&k3, &out, 0), 0);
  EXPECT_EQ(out, 11U);
  EXPECT_EQ(map->user_lookup_and_delete(&k3, &out, 0), -kENOENT);
  EXPECT_EQ(map->user_lookup_and_delete(&k1, &out, 8), -kEINVAL);
  // Program side.
  EXPECT_EQ(map->update(&k2, &v, kNoExist, 0), 0);
  EXPECT_EQ(map->update(&k2, &v, kNoExist, 0), -kEEXIST);
  EXPECT_EQ(map->update(&k3, &v, kAny, 0), -kE2BIG);
  EXPECT_EQ(map->erase(&k3, 0), -kENOENT);
  EXPECT_EQ(map->erase(&k2, 0), 0);
  EXPECT_EQ(map->lookup(&k2, 0), nullptr);
}

TEST(MapHash, LookupPointsAtTheValueInPlace) {
  auto map = make_map(spec_of(MapType::hash, 4, 4, 4));
  std::uint32_t key = 7, v = 1;
  ASSERT_EQ(map->update(&key, &v, kAny, 0), 0);
  auto* value = static_cast<std::uint32_t*>(map->lookup(&key, 0));
  ASSERT_NE(value, nullptr);
  *value = 42;
  std::uint32_t out = 0;
  EXPECT_EQ(map->user_lookup(&key, &out, 0), 0);
  EXPECT_EQ(out, 42U);
}

TEST(MapHash, GetNextKeyVisitsEveryKeyOnce) {
  for (std::uint32_t key_size : {4U, 5U, 12U, 64U}) {
    auto map = make_map(spec_of(MapType::hash, key_size, 4, 100));
    ASSERT_NE(map, nullptr);
    std::vector<std::uint8_t> key(key_size, 0);
    std::set<std::uint32_t> expected;
    for (std::uint32_t k = 0; k < 100; k += 3) {
      std::memcpy(key.data(), &k, 4);
      std::uint32_t v = k;
      ASSERT_EQ(map->user_update(key.data(), &v, kAny), 0);
      expected.insert(k);
    }
    std::set<std::uint32_t> seen;
    std::vector<std::uint8_t> next(key_size), previous(key_size);
    const void* prev = nullptr;
    while (map->get_next_key(prev, next.data()) == 0) {
      EXPECT_TRUE(seen.insert(u32_at(next.data())).second);
      previous = next;
      prev = previous.data();
    }
    EXPECT_EQ(seen, expected);
    // An absent key starts over from the first.
    std::uint32_t absent = 1;
    std::memcpy(key.data(), &absent, 4);
    std::vector<std::uint8_t> first(key_size);
    ASSERT_EQ(map->get_next_key(nullptr, first.data()), 0);
    ASSERT_EQ(map->get_next_key(key.data(), next.data()), 0);
    EXPECT_EQ(next, first);
  }
}

TEST(MapHash, PerCpuValues) {
  MapSpec spec = spec_of(MapType::percpu_hash, 4, 12, 4);
  spec.possible_cpus = 4;
  auto map = make_map(spec);
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(map->user_value_size(), 64U);
  std::uint32_t key = 5;
  std::uint32_t v[3] = {1, 2, 3};
  // A program's update of a new key sets its CPU's copy and zeroes the others.
  EXPECT_EQ(map->update(&key, v, kAny, 2), 0);
  std::uint8_t all[64];
  EXPECT_EQ(map->user_lookup(&key, all, 0), 0);
  for (unsigned cpu = 0; cpu < 4; ++cpu) {
    EXPECT_EQ(u32_at(all, cpu * 16), cpu == 2 ? 1U : 0U);
    EXPECT_EQ(u32_at(all, cpu * 16 + 8), cpu == 2 ? 3U : 0U);
  }
  // Then only its own copy, in place.
  auto* cpu1 = map->lookup(&key, 1);
  v[0] = 9;
  EXPECT_EQ(map->update(&key, v, kExist, 1), 0);
  EXPECT_EQ(map->lookup(&key, 1), cpu1);
  EXPECT_EQ(u32_at(cpu1), 9U);
  EXPECT_EQ(u32_at(map->lookup(&key, 2)), 1U);
  // User space writes every copy.
  for (unsigned cpu = 0; cpu < 4; ++cpu) std::memset(all + cpu * 16, static_cast<int>(cpu + 1), 16);
  EXPECT_EQ(map->user_update(&key, all, kAny), 0);
  EXPECT_EQ(u32_at(map->lookup(&key, 3)), 0x04040404U);
  EXPECT_EQ(map->user_update(&key, all, kLock), -kEINVAL);
  EXPECT_EQ(map->update(&key, v, kLock, 0), -kEINVAL);
}

TEST(MapHash, SpinLockAndBpfFLock) {
  MapSpec spec = spec_of(MapType::hash, 4, 16, 4);
  spec.spin_lock_offset = 8;
  auto map = make_map(spec);
  ASSERT_NE(map, nullptr);
  std::uint32_t key = 1;
  std::uint32_t in[4] = {1, 2, 0xffff, 4};
  EXPECT_EQ(map->user_update(&key, in, kLock | kExist), -kENOENT);
  EXPECT_EQ(map->user_update(&key, in, kLock), 0);
  auto* value = static_cast<std::uint8_t*>(map->lookup(&key, 0));
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(u32_at(value, 8), 0U);  // the lock word is never copied in
  in[0] = 5;
  EXPECT_EQ(map->user_update(&key, in, kLock | kExist), 0);
  EXPECT_EQ(map->lookup(&key, 0), value);  // BPF_F_LOCK updates in place
  EXPECT_EQ(map->user_update(&key, in, kLock | kNoExist), -kEEXIST);
  std::uint32_t out[4];
  EXPECT_EQ(map->user_lookup(&key, out, kLock), 0);
  EXPECT_EQ(out[0], 5U);
  EXPECT_EQ(out[2], 0U);
  EXPECT_EQ(map->user_lookup_and_delete(&key, out, kLock), 0);
  EXPECT_EQ(out[3], 4U);
}

TEST(MapHash, CreationRules) {
  EXPECT_EQ(create_errno(spec_of(MapType::hash, 0, 4, 1)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::hash, 4, 0, 1)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::hash, 4, 4, 0)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::hash, 4, 4, 1, kNoCommonLru)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::hash, 4, 4, 1, kNoPrealloc)), 0);
  EXPECT_EQ(create_errno(spec_of(MapType::lru_hash, 4, 4, 1, kNoPrealloc)), kENOTSUPP);
  EXPECT_EQ(create_errno(spec_of(MapType::lru_hash, 4, 4, 1, kNoCommonLru)), 0);
  EXPECT_EQ(create_errno(spec_of(MapType::percpu_hash, 4, 32769, 1)), kE2BIG);
  EXPECT_EQ(create_errno(spec_of(MapType::hash, 4, 4, 1, kRdonly | kWronly)), kEINVAL);
  MapSpec lock = spec_of(MapType::lru_hash, 4, 8, 1);
  lock.spin_lock_offset = 0;
  EXPECT_EQ(create_errno(lock), kEOPNOTSUPP);
}

TEST(MapLru, EvictsInsteadOfFailing) {
  for (MapType type : {MapType::lru_hash, MapType::lru_percpu_hash}) {
    auto map = make_map(spec_of(type, 4, 8, 8));
    ASSERT_NE(map, nullptr);
    std::vector<std::uint8_t> value(map->user_value_size(), 1);
    for (std::uint32_t k = 0; k < 100; ++k) {
      ASSERT_EQ(map->user_update(&k, value.data(), kAny), 0);
      std::vector<std::uint8_t> out(value.size());
      EXPECT_EQ(map->user_lookup(&k, out.data(), 0), 0) << "the key just written";
      EXPECT_LE(keys_of(*map).size(), 8U);
    }
    EXPECT_EQ(keys_of(*map).size(), 8U);
  }
}

TEST(MapLru, ReferencedEntriesSurvive) {
  auto map = make_map(spec_of(MapType::lru_hash, 4, 4, 16));
  ASSERT_NE(map, nullptr);
  std::uint32_t v = 0;
  for (std::uint32_t k = 0; k < 16; ++k) ASSERT_EQ(map->user_update(&k, &v, kAny), 0);
  // Programs keep looking up the even keys while new keys arrive.
  for (std::uint32_t k = 100; k < 108; ++k) {
    for (std::uint32_t hot = 0; hot < 16; hot += 2) ASSERT_NE(map->lookup(&hot, 0), nullptr);
    ASSERT_EQ(map->user_update(&k, &v, kAny), 0);
  }
  std::set<std::uint32_t> keys = keys_of(*map);
  for (std::uint32_t hot = 0; hot < 16; hot += 2) EXPECT_TRUE(keys.count(hot)) << hot;
  for (std::uint32_t cold = 1; cold < 16; cold += 2) EXPECT_FALSE(keys.count(cold)) << cold;
  for (std::uint32_t k = 100; k < 108; ++k) EXPECT_TRUE(keys.count(k)) << k;
}

TEST(MapLru, EvictsTheLeastRecentlyInserted) {
  auto map = make_map(spec_of(MapType::lru_hash, 4, 4, 4));
  std::uint32_t v = 0;
  for (std::uint32_t k = 0; k < 6; ++k) ASSERT_EQ(map->user_update(&k, &v, kAny), 0);
  EXPECT_EQ(keys_of(*map), (std::set<std::uint32_t>{2, 3, 4, 5}));
}

TEST(MapLru, FlagsAndDeletes) {
  auto map = make_map(spec_of(MapType::lru_hash, 4, 4, 4));
  std::uint32_t k = 1, v = 2, out = 0;
  EXPECT_EQ(map->user_update(&k, &v, kExist), -kENOENT);
  EXPECT_EQ(map->user_update(&k, &v, kNoExist), 0);
  EXPECT_EQ(map->user_update(&k, &v, kNoExist), -kEEXIST);
  EXPECT_EQ(map->user_update(&k, &v, kLock), -kEINVAL);
  EXPECT_EQ(map->update(&k, &v, 3, 0), -kEINVAL);
  EXPECT_EQ(map->user_lookup_and_delete(&k, &out, 0), 0);
  EXPECT_EQ(out, 2U);
  EXPECT_EQ(map->user_delete(&k), -kENOENT);
  // Every element is back: the map holds 4 again.
  for (std::uint32_t key = 10; key < 14; ++key) ASSERT_EQ(map->user_update(&key, &v, kAny), 0);
  EXPECT_EQ(keys_of(*map).size(), 4U);
}

}  // namespace
}  // namespace xbpf::runtime::test
