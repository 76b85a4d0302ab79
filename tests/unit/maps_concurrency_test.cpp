// Maps under concurrent use: programs (lookups in place, updates) on several threads while
// "user space" updates, deletes and walks. Each test checks invariants during the run and
// the exact final contents afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "maps_test_util.h"
#include "runtime/maps/prog_array.h"
#include "runtime/maps/spin_lock.h"

namespace xbpf::runtime::test {
namespace {

constexpr int kThreads = 4;

// A value that tells a torn or foreign read: its two halves agree.
std::uint64_t tagged(std::uint32_t key, std::uint32_t version) {
  return (std::uint64_t{key ^ version} << 32) | (~(key ^ version) & 0xffffffffU);
}
// A program's 8-byte load of a value in place (a single instruction, so atomic).
std::uint64_t load_in_place(void* value) {
  return std::atomic_ref<std::uint64_t>(*static_cast<std::uint64_t*>(value))
      .load(std::memory_order_relaxed);
}
bool consistent(std::uint64_t v) {
  return static_cast<std::uint32_t>(v >> 32) == ~static_cast<std::uint32_t>(v);
}

template <class Body>
void run_threads(int n, Body body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < n; ++t) threads.emplace_back(body, t);
  for (auto& thread : threads) thread.join();
}

TEST(MapConcurrency, HashWritersAndReaders) {
  for (MapType type : {MapType::hash, MapType::percpu_hash}) {
    MapSpec spec = spec_of(type, 4, 8, 256);
    spec.possible_cpus = kThreads;
    auto map = make_map(spec);
    ASSERT_NE(map, nullptr);
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0};
    std::vector<std::map<std::uint32_t, std::uint64_t>> expected(kThreads);
    std::thread reader([&] {
      Rng rng(99);
      std::vector<std::uint8_t> all(map->user_value_size());
      while (!stop.load()) {
        std::uint32_t key = rng.below(kThreads * 64);
        if (map->user_lookup(&key, all.data(), 0) == 0 && !consistent(u64_at(all.data())) &&
            type == MapType::hash) {
          bad.fetch_add(1);
        }
        std::uint32_t next;
        map->get_next_key(&key, &next);
      }
    });
    run_threads(kThreads, [&](int t) {
      Rng rng(static_cast<std::uint64_t>(t) + 1);
      auto& mine = expected[static_cast<std::size_t>(t)];
      for (std::uint32_t i = 0; i < 20000; ++i) {
        // Each thread owns the keys t*64 .. t*64+63 and acts as CPU t.
        std::uint32_t key = static_cast<std::uint32_t>(t) * 64 + rng.below(64);
        switch (rng.below(4)) {
          case 0: {
            if (map->erase(&key, static_cast<unsigned>(t)) == 0) {
              if (mine.erase(key) != 1) bad.fetch_add(1);
            } else if (mine.count(key) != 0) {
              bad.fetch_add(1);
            }
            break;
          }
          case 1: {
            void* value = map->lookup(&key, static_cast<unsigned>(t));
            if ((value != nullptr) != (mine.count(key) != 0)) bad.fetch_add(1);
            break;
          }
          default: {
            std::uint64_t v = tagged(key, i);
            long err = map->update(&key, &v, kAny, static_cast<unsigned>(t));
            if (err != 0) {
              bad.fetch_add(1);
            } else {
              mine[key] = v;
            }
          }
        }
      }
    });
    stop.store(true);
    reader.join();
    EXPECT_EQ(bad.load(), 0);
    std::map<std::uint32_t, std::uint64_t> all;
    for (const auto& mine : expected) all.insert(mine.begin(), mine.end());
    std::map<std::uint32_t, std::uint64_t> found;
    std::uint32_t key = 0, next = 0;
    const void* previous = nullptr;
    while (map->get_next_key(previous, &next) == 0) {
      auto* value = static_cast<std::uint8_t*>(map->lookup(&next, 0));
      ASSERT_NE(value, nullptr);
      unsigned owner = next / 64;
      found[next] = u64_at(map->lookup(&next, owner));
      key = next;
      previous = &key;
    }
    EXPECT_EQ(found, all);
  }
}

TEST(MapConcurrency, LruUnderPressure) {
  auto map = make_map(spec_of(MapType::lru_hash, 4, 8, 64));
  std::atomic<int> bad{0};
  run_threads(kThreads, [&](int t) {
    Rng rng(static_cast<std::uint64_t>(t) + 7);
    for (std::uint32_t i = 0; i < 20000; ++i) {
      std::uint32_t key = rng.below(512);
      std::uint64_t v = tagged(key, 0);
      if (rng.below(3) == 0) {
        void* value = map->lookup(&key, static_cast<unsigned>(t));
        if (value != nullptr && !consistent(load_in_place(value))) bad.fetch_add(1);
      } else if (rng.below(8) == 0) {
        map->erase(&key, static_cast<unsigned>(t));
      } else if (map->update(&key, &v, kAny, static_cast<unsigned>(t)) != 0) {
        bad.fetch_add(1);
      }
    }
  });
  EXPECT_EQ(bad.load(), 0);
  std::set<std::uint32_t> keys;
  std::uint32_t key = 0, next = 0;
  const void* previous = nullptr;
  while (map->get_next_key(previous, &next) == 0) {
    EXPECT_TRUE(keys.insert(next).second);
    std::uint64_t v = 0;
    EXPECT_EQ(map->user_lookup(&next, &v, 0), 0);
    EXPECT_EQ(v, tagged(next, 0));
    key = next;
    previous = &key;
  }
  EXPECT_LE(keys.size(), 64U);
  EXPECT_GE(keys.size(), 32U);
  // Nothing leaked: the map holds 64 keys again, the last written among them.
  for (std::uint32_t k = 1000; k < 1128; ++k) {
    std::uint64_t v = tagged(k, 0);
    ASSERT_EQ(map->user_update(&k, &v, kAny), 0);
    EXPECT_EQ(map->user_lookup(&k, &v, 0), 0) << k;
  }
  std::size_t count = 0;
  previous = nullptr;
  while (map->get_next_key(previous, &next) == 0) {
    ++count;
    key = next;
    previous = &key;
  }
  EXPECT_EQ(count, 64U);
}

TEST(MapConcurrency, PerCpuArrayCountersAndSpinLock) {
  MapSpec spec = spec_of(MapType::percpu_array, 4, 8, 1);
  spec.possible_cpus = kThreads;
  auto counters = make_map(spec);
  MapSpec locked = spec_of(MapType::array, 4, 16, 1);
  locked.spin_lock_offset = 0;
  auto shared = make_map(locked);
  constexpr std::uint64_t kIterations = 50000;
  std::uint32_t key = 0;
  run_threads(kThreads, [&](int t) {
    auto* mine = static_cast<std::uint64_t*>(counters->lookup(&key, static_cast<unsigned>(t)));
    auto* value = static_cast<std::uint8_t*>(shared->lookup(&key, static_cast<unsigned>(t)));
    for (std::uint64_t i = 0; i < kIterations; ++i) {
      ++*mine;  // this CPU's copy: no one else writes it
      lock_value(value);
      std::uint64_t n;
      std::memcpy(&n, value + 8, 8);
      ++n;
      std::memcpy(value + 8, &n, 8);
      unlock_value(value);
    }
  });
  std::vector<std::uint8_t> all(counters->user_value_size());
  ASSERT_EQ(counters->user_lookup(&key, all.data(), 0), 0);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(u64_at(all.data(), 8 * t), kIterations);
  std::uint8_t out[16];
  ASSERT_EQ(shared->user_lookup(&key, out, kLock), 0);
  EXPECT_EQ(u64_at(out, 8), kThreads * kIterations);
}

TEST(MapConcurrency, LpmWritersAndReaders) {
  auto map = make_map(spec_of(MapType::lpm_trie, 8, 8, 1024, kNoPrealloc));
  struct Key {
    std::uint32_t prefixlen;
    std::uint8_t data[4];
  };
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  // A /8 per thread always present: every lookup in that /8 matches something.
  for (int t = 0; t < kThreads; ++t) {
    Key k{8, {static_cast<std::uint8_t>(10 + t), 0, 0, 0}};
    std::uint64_t v = tagged(static_cast<std::uint32_t>(t), 0);
    ASSERT_EQ(map->user_update(&k, &v, kAny), 0);
  }
  std::thread reader([&] {
    Rng rng(3);
    while (!stop.load()) {
      Key probe{32,
                {static_cast<std::uint8_t>(10 + rng.below(kThreads)),
                 static_cast<std::uint8_t>(rng.below(256)),
                 static_cast<std::uint8_t>(rng.below(256)), 1}};
      void* value = map->lookup(&probe, 0);
      if (value == nullptr || !consistent(load_in_place(value))) bad.fetch_add(1);
    }
  });
  std::vector<std::set<std::pair<int, int>>> present(kThreads);
  run_threads(kThreads, [&](int t) {
    Rng rng(static_cast<std::uint64_t>(t) + 11);
    auto& mine = present[static_cast<std::size_t>(t)];
    for (std::uint32_t i = 0; i < 20000; ++i) {
      int b = static_cast<int>(rng.below(16));
      int len = rng.below(2) == 0 ? 16 : 24;
      Key k{static_cast<std::uint32_t>(len),
            {static_cast<std::uint8_t>(10 + t), static_cast<std::uint8_t>(b * 16),
             static_cast<std::uint8_t>(len == 24 ? b : 0), 0}};
      if (rng.below(2) == 0) {
        std::uint64_t v = tagged(static_cast<std::uint32_t>(b), i);
        if (map->update(&k, &v, kAny, 0) != 0) bad.fetch_add(1);
        mine.insert({b, len});
      } else {
        long err = map->erase(&k, 0);
        if ((err == 0) != (mine.erase({b, len}) == 1)) bad.fetch_add(1);
      }
    }
  });
  stop.store(true);
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  std::size_t expected = kThreads;
  for (const auto& mine : present) expected += mine.size();
  std::size_t walked = 0;
  Key key{}, next{};
  const void* previous = nullptr;
  while (map->get_next_key(previous, &next) == 0) {
    ++walked;
    key = next;
    previous = &key;
  }
  EXPECT_EQ(walked, expected);
}

TEST(MapConcurrency, QueueProducersAndConsumers) {
  auto map = make_map(spec_of(MapType::queue, 0, 8, 64));
  constexpr std::uint64_t kPerThread = 20000;
  std::atomic<std::uint64_t> popped_sum{0}, popped_count{0};
  std::atomic<int> producers_done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0; i < kPerThread; ++i) {
        std::uint64_t v = static_cast<std::uint64_t>(t) * kPerThread + i;
        while (map->push(&v, kAny) != 0) std::this_thread::yield();
      }
      producers_done.fetch_add(1);
    });
    threads.emplace_back([&] {
      std::uint64_t v;
      for (;;) {
        if (map->pop(&v) == 0) {
          popped_sum.fetch_add(v);
          popped_count.fetch_add(1);
          continue;
        }
        std::this_thread::yield();
        if (producers_done.load() == 2) {
          if (map->pop(&v) != 0) break;
          popped_sum.fetch_add(v);
          popped_count.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::uint64_t n = 2 * kPerThread;
  EXPECT_EQ(popped_count.load(), n);
  EXPECT_EQ(popped_sum.load(), n * (n - 1) / 2);
}

TEST(MapConcurrency, ReferencesSwapUnderReaders) {
  FakeRegistry registry;
  std::vector<std::shared_ptr<const vm::Program>> programs;
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 4; ++i) {
    programs.push_back(fake_program());
    ids.push_back(registry.add(programs.back()));
  }
  auto map = std::dynamic_pointer_cast<ProgArray>(
      make_map(spec_of(MapType::prog_array, 4, 4, 8), &registry));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    Rng rng(1);
    while (!stop.load()) {
      const vm::Program* p = map->program_at(rng.below(8));
      if (p != nullptr && p != programs[0].get() && p != programs[1].get() &&
          p != programs[2].get() && p != programs[3].get()) {
        bad.fetch_add(1);
      }
    }
  });
  run_threads(2, [&](int t) {
    Rng rng(static_cast<std::uint64_t>(t) + 5);
    for (int i = 0; i < 20000; ++i) {
      std::uint32_t key = rng.below(8);
      if (rng.below(3) == 0) {
        map->user_delete(&key);
      } else {
        map->user_update(&key, &ids[rng.below(4)], kAny);
      }
    }
  });
  stop.store(true);
  reader.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace xbpf::runtime::test
