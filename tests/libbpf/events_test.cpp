// Ring buffers and perf buffers: samples a program submits reach the callbacks in order,
// discarded ones do not; poll sleeps until a submit wakes it (BPF_RB_NO_WAKEUP does not),
// returns 0 at its timeout and -EINTR when a signal interrupts it; a callback's negative
// return stops the consumption and is returned; the wrong map or page count is refused.
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "libbpf_test_util.h"

namespace xbpf::libbpf_test {
namespace {

struct Event {
  __u32 length;
  __u32 sequence;
};

// The events object loaded, with .rodata's submit_flags set first.
class Events {
 public:
  explicit Events(__u64 submit_flags = 0)
      : object_(bpf_object__open_file(program_path("libbpf_events").c_str(), nullptr)) {
    if (object_ == nullptr) return;
    bpf_map* rodata = bpf_object__find_map_by_name(object_.get(), ".rodata");
    size_t size = 0;
    const void* initial = bpf_map__initial_value(rodata, &size);
    if (initial == nullptr || size < sizeof submit_flags) return;
    std::vector<unsigned char> bytes(size);
    std::memcpy(bytes.data(), initial, size);
    std::memcpy(bytes.data(), &submit_flags, sizeof submit_flags);
    if (bpf_map__set_initial_value(rodata, bytes.data(), size) != 0) return;
    loaded_ = bpf_object__load(object_.get()) == 0;
  }
  [[nodiscard]] bool loaded() const { return loaded_; }
  [[nodiscard]] int map(const char* name) const {
    return bpf_map__fd(bpf_object__find_map_by_name(object_.get(), name));
  }
  // Runs `program` once on a packet of `length` bytes; its return value.
  int run(const char* program, unsigned length) const {
    std::vector<unsigned char> packet(length, 0);
    bpf_test_run_opts opts{};
    opts.sz = sizeof opts;
    opts.data_in = packet.data();
    opts.data_size_in = length;
    bpf_program* prog = bpf_object__find_program_by_name(object_.get(), program);
    if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) != 0) return -1;
    return static_cast<int>(opts.retval);
  }

 private:
  ObjectPtr object_;
  bool loaded_ = false;
};

struct Seen {
  std::vector<Event> events;
  int stop_at = -1;  // the callback returns -EEXIST on this event (0-based)
};

int on_sample(void* ctx, void* data, size_t size) {
  auto* seen = static_cast<Seen*>(ctx);
  if (size != sizeof(Event)) return -EINVAL;
  Event event;
  std::memcpy(&event, data, sizeof event);
  seen->events.push_back(event);
  return static_cast<int>(seen->events.size()) - 1 == seen->stop_at ? -EEXIST : 0;
}

struct RingCloser {
  void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};
using RingPtr = std::unique_ptr<ring_buffer, RingCloser>;

bool readable(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) == 1;
}

TEST(LibbpfRingBuffer, DeliversSubmittedSamplesInOrderAndSkipsDiscarded) {
  Events events;
  ASSERT_TRUE(events.loaded());
  Seen seen;
  RingPtr rb(ring_buffer__new(events.map("events"), on_sample, &seen, nullptr));
  ASSERT_NE(rb, nullptr) << "errno " << errno;
  EXPECT_EQ(ring_buffer__consume(rb.get()), 0);
  ASSERT_EQ(events.run("emit", 60), XDP_PASS);
  ASSERT_EQ(events.run("discard", 60), XDP_PASS);
  ASSERT_EQ(events.run("emit", 70), XDP_PASS);
  ASSERT_EQ(events.run("emit", 80), XDP_PASS);
  EXPECT_EQ(ring_buffer__consume(rb.get()), 3);
  ASSERT_EQ(seen.events.size(), 3U);
  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_EQ(seen.events[i].length, 60 + 10 * i);
    EXPECT_EQ(seen.events[i].sequence, i + 1);
  }
  EXPECT_EQ(ring_buffer__consume(rb.get()), 0);
}

TEST(LibbpfRingBuffer, PollSleepsUntilASubmitAndTimesOut) {
  Events events;
  ASSERT_TRUE(events.loaded());
  Seen seen;
  RingPtr rb(ring_buffer__new(events.map("events"), on_sample, &seen, nullptr));
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ(ring_buffer__poll(rb.get(), 1), 0);
  // Whether the submit comes before or during the wait, the poll returns its sample.
  std::thread producer([&events] { events.run("emit", 64); });
  EXPECT_EQ(ring_buffer__poll(rb.get(), -1), 1);
  producer.join();
  ASSERT_EQ(seen.events.size(), 1U);
  EXPECT_EQ(seen.events[0].length, 64U);
}

TEST(LibbpfRingBuffer, TheEpollDescriptorIsReadableOnlyWhenASubmitWakesIt) {
  Events waking;
  Events silent(BPF_RB_NO_WAKEUP);
  ASSERT_TRUE(waking.loaded() && silent.loaded());
  Seen seen;
  RingPtr rb(ring_buffer__new(waking.map("events"), on_sample, &seen, nullptr));
  RingPtr quiet(ring_buffer__new(silent.map("events"), on_sample, &seen, nullptr));
  ASSERT_NE(rb, nullptr);
  ASSERT_NE(quiet, nullptr);
  const int fd = ring_buffer__epoll_fd(rb.get());
  const int quiet_fd = ring_buffer__epoll_fd(quiet.get());
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(readable(fd));
  ASSERT_EQ(waking.run("emit", 60), XDP_PASS);
  ASSERT_EQ(silent.run("emit", 60), XDP_PASS);
  EXPECT_TRUE(readable(fd));
  EXPECT_FALSE(readable(quiet_fd));  // BPF_RB_NO_WAKEUP: the sample is there, unannounced
  EXPECT_EQ(ring_buffer__consume(quiet.get()), 1);
  EXPECT_EQ(ring_buffer__poll(rb.get(), 0), 1);
}

TEST(LibbpfRingBuffer, ACallbacksNegativeReturnStopsAndIsReturned) {
  Events events;
  ASSERT_TRUE(events.loaded());
  Seen seen;
  seen.stop_at = 1;
  RingPtr rb(ring_buffer__new(events.map("events"), on_sample, &seen, nullptr));
  ASSERT_NE(rb, nullptr);
  for (unsigned length = 60; length < 64; ++length) ASSERT_EQ(events.run("emit", length), XDP_PASS);
  errno = 0;
  EXPECT_EQ(ring_buffer__consume(rb.get()), -EEXIST);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(seen.events.size(), 2U);
  seen.stop_at = -1;
  EXPECT_EQ(ring_buffer__poll(rb.get(), 0), 2);  // the rest, still there
  ASSERT_EQ(seen.events.size(), 4U);
  EXPECT_EQ(seen.events[3].length, 63U);
}

TEST(LibbpfRingBuffer, SeveralRingsInOneManager) {
  Events first;
  Events second;
  ASSERT_TRUE(first.loaded() && second.loaded());
  Seen seen_first;
  Seen seen_second;
  RingPtr rb(ring_buffer__new(first.map("events"), on_sample, &seen_first, nullptr));
  ASSERT_NE(rb, nullptr);
  ASSERT_EQ(ring_buffer__add(rb.get(), second.map("events"), on_sample, &seen_second), 0);
  std::thread producer([&second] { second.run("emit", 99); });
  EXPECT_EQ(ring_buffer__poll(rb.get(), -1), 1);
  producer.join();
  EXPECT_TRUE(seen_first.events.empty());
  ASSERT_EQ(seen_second.events.size(), 1U);
  EXPECT_EQ(seen_second.events[0].length, 99U);
}

std::atomic<int> signals_received{0};
void on_signal(int /*signal*/) { signals_received.fetch_add(1); }

TEST(LibbpfRingBuffer, ASignalInterruptsPollWithEintr) {
  Events events;
  ASSERT_TRUE(events.loaded());
  Seen seen;
  RingPtr rb(ring_buffer__new(events.map("events"), on_sample, &seen, nullptr));
  ASSERT_NE(rb, nullptr);
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);
  std::atomic<int> result{1};
  std::atomic<int> error{0};
  std::atomic<bool> done{false};
  std::thread poller([&] {
    result = ring_buffer__poll(rb.get(), -1);
    error = errno;
    done = true;
  });
  // A signal sent before the poller sleeps is lost to it: send until it returns.
  const pthread_t target = poller.native_handle();
  for (int i = 0; i < 6000 && !done; ++i) {
    pthread_kill(target, SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!done) events.run("emit", 60);  // unblock it, so that the test fails instead of hanging
  poller.join();
  sigaction(SIGUSR1, &previous, nullptr);
  EXPECT_EQ(result.load(), -EINTR);
  EXPECT_EQ(error.load(), EINTR);
  EXPECT_GE(signals_received.load(), 1);
}

TEST(LibbpfRingBuffer, RefusesWhatIsNotARingBuffer) {
  Events events;
  ASSERT_TRUE(events.loaded());
  PrintCapture capture;
  errno = 0;
  EXPECT_EQ(ring_buffer__new(events.map("perf_events"), on_sample, nullptr, nullptr), nullptr);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_NE(capture.warnings().find("is not BPF_MAP_TYPE_RINGBUF"), std::string::npos);
  errno = 0;
  EXPECT_EQ(ring_buffer__new(1000, on_sample, nullptr, nullptr), nullptr);
  EXPECT_EQ(errno, EBADF);
  struct {
    size_t sz;
    long extra;
  } larger{sizeof larger, 1};
  errno = 0;
  EXPECT_EQ(ring_buffer__new(events.map("events"), on_sample, nullptr,
                             reinterpret_cast<const ring_buffer_opts*>(&larger)),
            nullptr);
  EXPECT_EQ(errno, EINVAL);
}

struct PerfSeen {
  std::vector<std::pair<int, Event>> samples;
  __u64 lost = 0;
};

void on_perf_sample(void* ctx, int cpu, void* data, __u32 size) {
  auto* seen = static_cast<PerfSeen*>(ctx);
  Event event{};
  if (size >= sizeof event) std::memcpy(&event, data, sizeof event);
  seen->samples.emplace_back(cpu, event);
}

void on_perf_lost(void* ctx, int /*cpu*/, __u64 count) {
  static_cast<PerfSeen*>(ctx)->lost += count;
}

TEST(LibbpfPerfBuffer, DeliversSamplesWithTheirCpu) {
  Events events;
  ASSERT_TRUE(events.loaded());
  PerfSeen seen;
  perf_buffer* pb =
      perf_buffer__new(events.map("perf_events"), 8, on_perf_sample, on_perf_lost, &seen, nullptr);
  ASSERT_NE(pb, nullptr) << "errno " << errno;
  EXPECT_EQ(perf_buffer__buffer_cnt(pb), static_cast<size_t>(libbpf_num_possible_cpus()));
  EXPECT_GE(perf_buffer__epoll_fd(pb), 0);
  EXPECT_EQ(perf_buffer__poll(pb, 1), 0);
  std::thread producer([&events] { events.run("emit", 72); });
  EXPECT_EQ(perf_buffer__poll(pb, -1), 1);  // one buffer had records
  producer.join();
  ASSERT_EQ(events.run("emit", 73), XDP_PASS);
  EXPECT_EQ(perf_buffer__consume(pb), 0);
  ASSERT_EQ(seen.samples.size(), 2U);
  EXPECT_EQ(seen.samples[0].second.length, 72U);
  EXPECT_EQ(seen.samples[1].second.length, 73U);
  EXPECT_GE(seen.samples[0].first, 0);
  EXPECT_LT(seen.samples[0].first, libbpf_num_possible_cpus());
  EXPECT_EQ(seen.lost, 0U);
  void* memory = nullptr;
  size_t size = 0;
  EXPECT_EQ(perf_buffer__buffer(pb, 0, &memory, &size), -EOPNOTSUPP);
  perf_buffer__free(pb);
  // Freed, the buffers are disabled: a program's output finds none.
  ASSERT_EQ(events.run("emit", 74), XDP_PASS);
}

TEST(LibbpfPerfBuffer, RefusesABadPageCountOrMap) {
  Events events;
  ASSERT_TRUE(events.loaded());
  PrintCapture capture;
  errno = 0;
  EXPECT_EQ(
      perf_buffer__new(events.map("perf_events"), 3, on_perf_sample, nullptr, nullptr, nullptr),
      nullptr);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(perf_buffer__new(events.map("events"), 8, on_perf_sample, nullptr, nullptr, nullptr),
            nullptr);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_NE(capture.warnings().find("should be BPF_MAP_TYPE_PERF_EVENT_ARRAY"), std::string::npos);
}

}  // namespace
}  // namespace xbpf::libbpf_test
