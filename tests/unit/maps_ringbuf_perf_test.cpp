// BPF_MAP_TYPE_RINGBUF (record layout read from the arena, wraparound, discard, busy records,
// the consumer) and BPF_MAP_TYPE_PERF_EVENT_ARRAY (per-CPU buffers, lost samples).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "maps_test_util.h"
#include "runtime/maps/perf_event_array.h"
#include "runtime/maps/ringbuf.h"

namespace xbpf::runtime::test {
namespace {

std::shared_ptr<RingBuf> make_ringbuf(std::uint32_t size) {
  return std::dynamic_pointer_cast<RingBuf>(make_map(spec_of(MapType::ringbuf, 0, 0, size)));
}

TEST(MapRingbuf, RecordLayoutInTheArena) {
  auto rb = make_ringbuf(4096);
  ASSERT_NE(rb, nullptr);
  const std::byte* data = rb->data_area();
  EXPECT_EQ(data - rb->arena(), 3 * 4096);  // after the meta, consumer and producer pages
  void* a = rb->reserve(5, 0);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(static_cast<std::byte*>(a), data + 8);
  EXPECT_EQ(u32_at(data), 5U | kRingbufBusyBit);
  EXPECT_EQ(u32_at(data, 4), 3U);  // the header's page offset from the ring's start
  EXPECT_EQ(rb->producer_pos(), 16U);
  std::memcpy(a, "hello", 5);
  rb->submit(a, 0);
  EXPECT_EQ(u32_at(data), 5U);
  void* b = rb->reserve(8, 0);
  ASSERT_EQ(static_cast<std::byte*>(b), data + 24);
  RingBuf::discard_sample(b, 0);
  EXPECT_EQ(u32_at(data, 16), 8U | kRingbufDiscardBit);
  EXPECT_EQ(rb->query(kRbAvailData), 32U);
  EXPECT_EQ(rb->query(kRbRingSize), 4096U);
  EXPECT_EQ(rb->query(kRbProdPos), 32U);
  EXPECT_EQ(rb->query(kRbConsPos), 0U);
  EXPECT_EQ(rb->query(99), 0U);
  std::vector<std::string> seen;
  long n = rb->consume([&](const void* sample, std::uint32_t size) {
    seen.emplace_back(static_cast<const char*>(sample), size);
    return 0;
  });
  EXPECT_EQ(n, 1);  // the discarded record is skipped
  EXPECT_EQ(seen, std::vector<std::string>{"hello"});
  EXPECT_EQ(rb->consumer_pos(), 32U);
  EXPECT_EQ(rb->query(kRbAvailData), 0U);
}

TEST(MapRingbuf, ConsumerStopsAtABusyRecordAndKeepsOrder) {
  auto rb = make_ringbuf(4096);
  void* a = rb->reserve(4, 0);
  void* b = rb->reserve(4, 0);
  std::memcpy(a, "AAAA", 4);
  std::memcpy(b, "BBBB", 4);
  rb->submit(b, 0);
  std::string order;
  auto collect = [&](const void* sample, std::uint32_t) {
    order += *static_cast<const char*>(sample);
    return 0;
  };
  EXPECT_EQ(rb->consume(collect), 0);
  rb->submit(a, 0);
  EXPECT_EQ(rb->consume(collect), 2);
  EXPECT_EQ(order, "AB");
}

TEST(MapRingbuf, CallbackStopsEarly) {
  auto rb = make_ringbuf(4096);
  for (char c : std::string("xyz")) ASSERT_EQ(rb->output(&c, 1, 0), 0);
  int calls = 0;
  EXPECT_EQ(rb->consume([&](const void*, std::uint32_t) { return ++calls == 1 ? 1 : 0; }), 1);
  EXPECT_EQ(rb->consume([&](const void*, std::uint32_t) { return -7; }), -7);
  std::string rest;
  EXPECT_EQ(rb->consume([&](const void* s, std::uint32_t) {
    rest += *static_cast<const char*>(s);
    return 0;
  }),
            1);
  EXPECT_EQ(rest, "z");
}

TEST(MapRingbuf, FullRingAndBadArguments) {
  auto rb = make_ringbuf(4096);
  EXPECT_EQ(rb->reserve(8, 1), nullptr);  // reserve takes no flags
  EXPECT_EQ(rb->reserve(4089, 0), nullptr);
  // The producer may not get a whole ring ahead: 4088 bytes plus the header do not fit.
  EXPECT_EQ(rb->reserve(4088, 0), nullptr);
  void* big = rb->reserve(4080, 0);
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(rb->reserve(1, 0), nullptr);
  char c = 0;
  EXPECT_EQ(rb->output(&c, 1, 0), -kEAGAIN);
  EXPECT_EQ(rb->output(&c, 1, 4), -kEINVAL);
  rb->submit(big, kRbNoWakeup);
  EXPECT_EQ(rb->consume([](const void*, std::uint32_t) { return 0; }), 1);
  EXPECT_EQ(rb->output(&c, 1, kRbForceWakeup), 0);
  std::uint32_t key = 0, value = 0;
  EXPECT_EQ(rb->user_lookup(&key, &value, 0), -kENOTSUPP);
  EXPECT_EQ(rb->user_update(&key, &value, 0), -kENOTSUPP);
  EXPECT_EQ(rb->user_delete(&key), -kENOTSUPP);
  EXPECT_EQ(rb->get_next_key(nullptr, &key), -kENOTSUPP);
  EXPECT_EQ(rb->lookup(&key, 0), nullptr);
  EXPECT_EQ(create_errno(spec_of(MapType::ringbuf, 0, 0, 4096 * 3)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::ringbuf, 0, 0, 2048)), kEINVAL);
  EXPECT_EQ(create_errno(spec_of(MapType::ringbuf, 0, 8, 4096)), kEINVAL);
}

TEST(MapRingbuf, RecordsWrapAroundTheEnd) {
  auto rb = make_ringbuf(4096);
  const std::byte* data = rb->data_area();
  std::vector<std::uint8_t> payload(1000);
  std::size_t consumed = 0;
  for (int round = 0; round < 12; ++round) {
    for (std::size_t i = 0; i < payload.size(); ++i) {
      payload[i] = static_cast<std::uint8_t>(round * 31 + i);
    }
    std::uint64_t pos = rb->producer_pos();
    void* sample = rb->reserve(payload.size(), 0);
    ASSERT_NE(sample, nullptr) << "round " << round;
    std::memcpy(sample, payload.data(), payload.size());
    rb->submit(sample, 0);
    std::uint64_t offset = pos % 4096;
    if (offset + 8 + payload.size() > 4096) {
      // The wrapped part is at the start of the ring, as Linux's second mapping shows it.
      std::size_t head = 4096 - offset - 8;
      EXPECT_EQ(std::memcmp(data, payload.data() + head, payload.size() - head), 0);
    }
    ASSERT_EQ(rb->consume([&](const void* s, std::uint32_t size) {
      EXPECT_EQ(size, payload.size());
      EXPECT_EQ(std::memcmp(s, payload.data(), size), 0) << "round " << round;
      ++consumed;
      return 0;
    }),
              1);
  }
  EXPECT_EQ(consumed, 12U);
}

TEST(MapRingbuf, PollWaitsForData) {
  auto rb = make_ringbuf(8192);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rb->poll([](const void*, std::uint32_t) { return 0; }, 20), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(15));
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::uint32_t v = 42;
    rb->output(&v, 4, 0);
  });
  std::uint32_t got = 0;
  long n = rb->poll(
      [&](const void* s, std::uint32_t) {
        got = u32_at(s);
        return 0;
      },
      -1);
  producer.join();
  EXPECT_EQ(n, 1);
  EXPECT_EQ(got, 42U);
}

TEST(MapRingbuf, ConcurrentProducersKeepEachOnesOrder) {
  auto rb = make_ringbuf(16384);
  constexpr int kThreads = 4, kRecords = 5000;
  std::atomic<int> done{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (std::uint32_t i = 0; i < kRecords; ++i) {
        std::uint32_t record[2] = {static_cast<std::uint32_t>(t), i};
        if (i % 3 == 0) {
          void* s;
          while ((s = rb->reserve(8, 0)) == nullptr) std::this_thread::yield();
          std::memcpy(s, record, 8);
          rb->submit(s, 0);
        } else {
          while (rb->output(record, 8, 0) != 0) std::this_thread::yield();
        }
      }
      done.fetch_add(1);
    });
  }
  std::vector<std::uint32_t> next(kThreads, 0);
  long total = 0;
  auto check = [&](const void* s, std::uint32_t size) {
    EXPECT_EQ(size, 8U);
    std::uint32_t t = u32_at(s), i = u32_at(s, 4);
    EXPECT_EQ(i, next[t]) << "thread " << t;
    next[t] = i + 1;
    return 0;
  };
  while (done.load() < kThreads || rb->query(kRbAvailData) != 0) {
    long n = rb->poll(check, 5);
    ASSERT_GE(n, 0);
    total += n;
  }
  for (auto& p : producers) p.join();
  total += rb->consume(check);
  EXPECT_EQ(total, kThreads * kRecords);
}

std::shared_ptr<PerfEventArray> make_perf(std::uint32_t entries) {
  return std::dynamic_pointer_cast<PerfEventArray>(
      make_map(spec_of(MapType::perf_event_array, 4, 4, entries)));
}

TEST(MapPerfEventArray, OutputToTheCurrentCpusBuffer) {
  auto perf = make_perf(2);
  ASSERT_NE(perf, nullptr);
  std::uint32_t index = 0, fd = 7, other = 1;
  char data[5] = {'a', 'b', 'c', 'd', 'e'};
  EXPECT_EQ(perf->output(kPerfCurrentCpu, data, 5, 0), -kENOENT);  // not enabled
  EXPECT_EQ(perf->user_update(&index, &fd, kAny), 0);
  EXPECT_EQ(perf->user_update(&other, &fd, kAny), 0);
  EXPECT_EQ(perf->output(kPerfCurrentCpu, data, 5, 0), 0);
  EXPECT_EQ(perf->output(0, data, 3, 0), 0);
  EXPECT_EQ(perf->output(1, data, 3, 0), -kEOPNOTSUPP);  // another CPU's buffer
  EXPECT_EQ(perf->output(2, data, 3, 0), -kE2BIG);
  EXPECT_EQ(perf->output(kPerfCurrentCpu | (1ULL << 32), data, 3, 0), -kEINVAL);
  EXPECT_EQ(perf->output(kPerfCurrentCpu, data, 2, 1), 0);
  std::vector<std::tuple<std::uint32_t, std::string, std::uint32_t>> samples;
  long n = perf->consume(
      [&](std::uint32_t cpu, const void* d, std::uint32_t size) {
        samples.emplace_back(cpu, std::string(static_cast<const char*>(d), 2), size);
      },
      [](std::uint32_t, std::uint64_t) { ADD_FAILURE() << "nothing lost"; });
  EXPECT_EQ(n, 3);
  ASSERT_EQ(samples.size(), 3U);
  // The raw size is padded so the record (8-byte header, u32 size, data) is 8-aligned.
  EXPECT_EQ(samples[0], std::make_tuple(0U, std::string("ab"), 12U));
  EXPECT_EQ(samples[1], std::make_tuple(0U, std::string("ab"), 4U));
  EXPECT_EQ(samples[2], std::make_tuple(1U, std::string("ab"), 4U));
}

TEST(MapPerfEventArray, LostSamplesAreCountedAndReported) {
  auto perf = make_perf(1);
  ASSERT_TRUE(perf->set_buffer_pages(1));
  std::uint32_t index = 0, fd = 1;
  ASSERT_EQ(perf->user_update(&index, &fd, kAny), 0);
  std::vector<std::uint8_t> big(1000, 0x5a);
  int written = 0;
  while (perf->output(kPerfCurrentCpu, big.data(), big.size(), 0) == 0) ++written;
  EXPECT_EQ(written, 4);  // 4 records of 1016 bytes in 4096
  EXPECT_EQ(perf->output(kPerfCurrentCpu, big.data(), big.size(), 0), -kENOSPC);
  EXPECT_EQ(perf->lost_total(0), 2U);
  int samples = 0;
  perf->consume([&](std::uint32_t, const void*, std::uint32_t) { ++samples; },
                [](std::uint32_t, std::uint64_t) { ADD_FAILURE() << "not yet"; });
  EXPECT_EQ(samples, 4);
  std::uint64_t lost = 0;
  ASSERT_EQ(perf->output(kPerfCurrentCpu, big.data(), 8, 0), 0);
  perf->consume([&](std::uint32_t, const void*, std::uint32_t) { ++samples; },
                [&](std::uint32_t cpu, std::uint64_t n) {
                  EXPECT_EQ(cpu, 0U);
                  lost += n;
                });
  EXPECT_EQ(lost, 2U);
  EXPECT_EQ(samples, 5);
}

TEST(MapPerfEventArray, UserSpaceOperations) {
  auto perf = make_perf(2);
  std::uint32_t index = 0, fd = 3, big = 2, out = 0;
  EXPECT_EQ(perf->user_update(&index, &fd, kNoExist), -kEINVAL);
  EXPECT_EQ(perf->user_update(&big, &fd, kAny), -kE2BIG);
  EXPECT_EQ(perf->user_delete(&index), -kENOENT);
  EXPECT_EQ(perf->user_update(&index, &fd, kAny), 0);
  EXPECT_EQ(perf->user_lookup(&index, &out, 0), -kENOTSUPP);
  EXPECT_EQ(perf->user_delete(&index), 0);
  EXPECT_EQ(perf->user_delete(&big), -kE2BIG);
  EXPECT_EQ(perf->get_next_key(nullptr, &out), 0);
  EXPECT_EQ(out, 0U);
  EXPECT_EQ(perf->output(kPerfCurrentCpu, &fd, 4, 0), -kENOENT);
  EXPECT_EQ(perf->poll([](std::uint32_t, const void*, std::uint32_t) {}, nullptr, 1), 0);
}

}  // namespace
}  // namespace xbpf::runtime::test
