// LPM trie (longest-prefix matches, IPv4 and IPv6 keys, post-order get_next_key) and the
// queue and stack maps.
#include <gtest/gtest.h>

#include <array>

#include "maps_test_util.h"

namespace xbpf::runtime::test {
namespace {

struct Ipv4Key {
  std::uint32_t prefixlen;
  std::uint8_t data[4];
};
struct Ipv6Key {
  std::uint32_t prefixlen;
  std::uint8_t data[16];
};

Ipv4Key v4(std::uint32_t prefixlen, std::uint8_t a, std::uint8_t b, std::uint8_t c,
           std::uint8_t d) {
  return Ipv4Key{prefixlen, {a, b, c, d}};
}

std::uint32_t match(Map& map, const Ipv4Key& key) {
  std::uint32_t value = 0;
  return map.user_lookup(&key, &value, 0) == 0 ? value : 0;
}

TEST(MapLpm, LongestPrefixWinsForIpv4) {
  auto map = make_map(spec_of(MapType::lpm_trie, 8, 4, 16, kNoPrealloc));
  ASSERT_NE(map, nullptr);
  const std::pair<Ipv4Key, std::uint32_t> routes[] = {
      {v4(8, 10, 0, 0, 0), 8},   {v4(16, 10, 1, 0, 0), 16}, {v4(24, 10, 1, 2, 0), 24},
      {v4(32, 10, 1, 2, 3), 32}, {v4(0, 0, 0, 0, 0), 100},  {v4(12, 192, 160, 0, 0), 12},
  };
  for (const auto& [key, value] : routes) ASSERT_EQ(map->user_update(&key, &value, kAny), 0);
  EXPECT_EQ(match(*map, v4(32, 10, 1, 2, 3)), 32U);
  EXPECT_EQ(match(*map, v4(32, 10, 1, 2, 4)), 24U);
  EXPECT_EQ(match(*map, v4(32, 10, 1, 9, 9)), 16U);
  EXPECT_EQ(match(*map, v4(32, 10, 9, 9, 9)), 8U);
  EXPECT_EQ(match(*map, v4(32, 11, 0, 0, 0)), 100U);
  EXPECT_EQ(match(*map, v4(32, 192, 175, 1, 1)), 12U);  // 192.160/12 covers 192.160-192.175
  EXPECT_EQ(match(*map, v4(32, 192, 176, 1, 1)), 100U);
  // The lookup key's own prefix length bounds the match.
  EXPECT_EQ(match(*map, v4(20, 10, 1, 2, 3)), 16U);
  // Program side returns the value in place.
  Ipv4Key k = v4(32, 10, 1, 2, 200);
  auto* value = static_cast<std::uint32_t*>(map->lookup(&k, 0));
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, 24U);
  // Deleting needs the exact prefix.
  Ipv4Key inexact = v4(23, 10, 1, 2, 0);
  EXPECT_EQ(map->user_delete(&inexact), -kENOENT);
  Ipv4Key exact = v4(24, 10, 1, 2, 0);
  EXPECT_EQ(map->user_delete(&exact), 0);
  EXPECT_EQ(match(*map, v4(32, 10, 1, 2, 4)), 16U);
  Ipv4Key all = v4(0, 0, 0, 0, 0);
  EXPECT_EQ(map->user_delete(&all), 0);
  EXPECT_EQ(match(*map, v4(32, 11, 0, 0, 0)), 0U);
}

TEST(MapLpm, Ipv6Keys) {
  auto map = make_map(spec_of(MapType::lpm_trie, 20, 4, 8, kNoPrealloc));
  ASSERT_NE(map, nullptr);
  Ipv6Key net{48, {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34}};
  Ipv6Key host{128, {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  Ipv6Key wide{16, {0x20, 0x01}};
  std::uint32_t v = 48;
  ASSERT_EQ(map->user_update(&net, &v, kAny), 0);
  v = 128;
  ASSERT_EQ(map->user_update(&host, &v, kAny), 0);
  v = 16;
  ASSERT_EQ(map->user_update(&wide, &v, kAny), 0);
  Ipv6Key probe = host;
  std::uint32_t out = 0;
  EXPECT_EQ(map->user_lookup(&probe, &out, 0), 0);
  EXPECT_EQ(out, 128U);
  probe.data[15] = 2;
  EXPECT_EQ(map->user_lookup(&probe, &out, 0), 0);
  EXPECT_EQ(out, 48U);
  probe.data[4] = 0x99;
  EXPECT_EQ(map->user_lookup(&probe, &out, 0), 0);
  EXPECT_EQ(out, 16U);
  probe.data[0] = 0x30;
  EXPECT_EQ(map->user_lookup(&probe, &out, 0), -kENOENT);
  Ipv6Key too_long = host;
  too_long.prefixlen = 129;
  EXPECT_EQ(map->user_update(&too_long, &v, kAny), -kEINVAL);
  EXPECT_EQ(map->user_delete(&too_long), -kEINVAL);
}

// The example of kernel/bpf/lpm_trie.c: post-order is 192.168.0.0/24, 192.168.1.0/24,
// 192.168.128.0/24, 192.168.0.0/16.
TEST(MapLpm, GetNextKeyIsPostOrder) {
  auto map = make_map(spec_of(MapType::lpm_trie, 8, 4, 8, kNoPrealloc));
  std::uint32_t v = 1;
  for (Ipv4Key key : {v4(16, 192, 168, 0, 0), v4(24, 192, 168, 0, 0), v4(24, 192, 168, 1, 0),
                      v4(24, 192, 168, 128, 0)}) {
    ASSERT_EQ(map->user_update(&key, &v, kAny), 0);
  }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> walk;
  Ipv4Key key{}, next{};
  const void* previous = nullptr;
  while (map->get_next_key(previous, &next) == 0) {
    walk.emplace_back(next.prefixlen, next.data[2]);
    key = next;
    previous = &key;
  }
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> expected = {
      {24, 0}, {24, 1}, {24, 128}, {16, 0}};
  EXPECT_EQ(walk, expected);
  Ipv4Key absent = v4(24, 10, 0, 0, 0);  // absent: start over
  ASSERT_EQ(map->get_next_key(&absent, &next), 0);
  EXPECT_EQ(next.prefixlen, 24U);
  EXPECT_EQ(next.data[2], 0U);
}

TEST(MapLpm, FlagsAndFullMap) {
  auto map = make_map(spec_of(MapType::lpm_trie, 8, 4, 2, kNoPrealloc));
  std::uint32_t v = 1;
  Ipv4Key a = v4(8, 1, 0, 0, 0), b = v4(8, 2, 0, 0, 0), c = v4(8, 3, 0, 0, 0);
  EXPECT_EQ(map->user_update(&a, &v, kExist), -kENOENT);
  EXPECT_EQ(map->user_update(&a, &v, kNoExist), 0);
  EXPECT_EQ(map->user_update(&a, &v, kNoExist), -kEEXIST);
  EXPECT_EQ(map->user_update(&a, &v, kExist), 0);
  EXPECT_EQ(map->user_update(&b, &v, kAny), 0);
  EXPECT_EQ(map->user_update(&c, &v, kAny), -kENOSPC);  // an LPM trie is full with ENOSPC
  EXPECT_EQ(map->user_update(&a, &v, kAny), 0);
  EXPECT_EQ(map->user_update(&a, &v, 3), -kEINVAL);
  EXPECT_EQ(map->user_update(&a, &v, kLock), -kEINVAL);
  std::uint32_t out;
  EXPECT_EQ(map->user_lookup_and_delete(&a, &out, 0), -kENOTSUPP);
  EXPECT_EQ(create_errno(spec_of(MapType::lpm_trie, 8, 4, 2)), kEINVAL);  // needs NO_PREALLOC
  EXPECT_EQ(create_errno(spec_of(MapType::lpm_trie, 4, 4, 2, kNoPrealloc)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::lpm_trie, 260, 4, 2, kNoPrealloc)), 0);
  EXPECT_EQ(create_errno(spec_of(MapType::lpm_trie, 261, 4, 2, kNoPrealloc)), kEINVAL);
}

TEST(MapQueueStack, QueueIsFifoStackIsLifo) {
  for (MapType type : {MapType::queue, MapType::stack}) {
    auto map = make_map(spec_of(type, 0, 4, 3));
    ASSERT_NE(map, nullptr);
    for (std::uint32_t v = 1; v <= 3; ++v) ASSERT_EQ(map->push(&v, kAny), 0);
    std::uint32_t v = 4, out = 0;
    EXPECT_EQ(map->push(&v, kAny), -kE2BIG);
    EXPECT_EQ(map->peek(&out), 0);
    EXPECT_EQ(out, type == MapType::queue ? 1U : 3U);
    std::vector<std::uint32_t> popped;
    while (map->pop(&out) == 0) popped.push_back(out);
    const std::vector<std::uint32_t> fifo = {1, 2, 3}, lifo = {3, 2, 1};
    EXPECT_EQ(popped, type == MapType::queue ? fifo : lifo);
    out = 77;
    EXPECT_EQ(map->pop(&out), -kENOENT);
    EXPECT_EQ(out, 0U);  // zeroed, as Linux does
    EXPECT_EQ(map->peek(&out), -kENOENT);
  }
}

TEST(MapQueueStack, ExistOverwritesTheOldest) {
  for (MapType type : {MapType::queue, MapType::stack}) {
    auto map = make_map(spec_of(type, 0, 4, 3));
    for (std::uint32_t v = 1; v <= 5; ++v) ASSERT_EQ(map->push(&v, kExist), 0);
    std::vector<std::uint32_t> popped;
    std::uint32_t out;
    while (map->user_lookup_and_delete(nullptr, &out, 0) == 0) popped.push_back(out);
    const std::vector<std::uint32_t> fifo = {3, 4, 5}, lifo = {5, 4, 3};
    EXPECT_EQ(popped, type == MapType::queue ? fifo : lifo);
  }
}

TEST(MapQueueStack, UserSpaceOperations) {
  auto map = make_map(spec_of(MapType::queue, 0, 8, 2));
  std::uint64_t v = 5, out = 0;
  EXPECT_EQ(map->user_update(nullptr, &v, kNoExist), -kEINVAL);
  EXPECT_EQ(map->user_update(nullptr, &v, 3), -kEINVAL);
  EXPECT_EQ(map->user_update(nullptr, &v, kLock), -kEINVAL);
  EXPECT_EQ(map->user_update(nullptr, &v, kAny), 0);
  EXPECT_EQ(map->user_lookup(nullptr, &out, 0), 0);  // peek
  EXPECT_EQ(out, 5U);
  EXPECT_EQ(map->user_lookup(nullptr, &out, kLock), -kEINVAL);
  EXPECT_EQ(map->user_delete(nullptr), -kEINVAL);
  EXPECT_EQ(map->get_next_key(nullptr, &out), -kEINVAL);
  EXPECT_EQ(map->user_lookup_and_delete(nullptr, &out, kLock), -kEINVAL);
  EXPECT_EQ(map->user_lookup_and_delete(nullptr, &out, 0), 0);
  EXPECT_EQ(map->lookup(nullptr, 0), nullptr);
  EXPECT_EQ(map->update(nullptr, &v, kAny, 0), -kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::queue, 4, 8, 2)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::stack, 0, 0, 2)), kEINVAL);
}

}  // namespace
}  // namespace xbpf::runtime::test
