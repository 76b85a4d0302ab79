// Perf buffers (perf_buffer__*) over the runtime's BPF_MAP_TYPE_PERF_EVENT_ARRAY: the manager
// enables the buffer of every possible CPU (up to the map's max_entries) with page_cnt pages,
// as libbpf opens a perf event per CPU and stores its descriptor at that key, and sleeps on a
// platform::Waiter the map signals on every sample (libbpf's wakeup_events = 1). There is no
// perf event per CPU: perf_buffer__buffer_fd gives the manager's own descriptor for every
// buffer, and perf_buffer__buffer (the raw perf_event_mmap_page) and perf_buffer__new_raw
// (perf_event_attr) are refused with -EOPNOTSUPP.
#include <cerrno>
#include <memory>
#include <set>
#include <vector>

#include "libbpf/context.h"
#include "libbpf/library.h"
#include "libbpf/map_access.h"
#include "platform/waiter.h"
#include "runtime/maps/perf_event_array.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)
using xbpf::runtime::PerfEventArray;

struct perf_buffer {
  explicit perf_buffer(xbpf::platform::Waiter w) : waiter(std::move(w)) {}
  ~perf_buffer() {
    if (array == nullptr) return;
    array->wakeup().remove_notifier(token);
    for (const std::uint32_t key : keys) array->user_delete(&key);
  }
  perf_buffer(const perf_buffer&) = delete;
  perf_buffer& operator=(const perf_buffer&) = delete;

  xbpf::platform::Waiter waiter;
  std::shared_ptr<MapResource> map;
  PerfEventArray* array = nullptr;
  std::uint64_t token = 0;
  std::vector<std::uint32_t> keys;  // buffer index -> map key (its CPU)
  perf_buffer_sample_fn sample = nullptr;
  perf_buffer_lost_fn lost = nullptr;
  void* ctx = nullptr;
};

namespace {

// Consumes the buffers (one, or all): the buffers that held records.
long consume(perf_buffer& pb, std::optional<std::uint32_t> only) {
  std::set<std::uint32_t> seen;
  pb.array->consume(
      [&pb, &seen](std::uint32_t cpu, const void* data, std::uint32_t size) {
        seen.insert(cpu);
        if (pb.sample) pb.sample(pb.ctx, static_cast<int>(cpu), const_cast<void*>(data), size);
      },
      [&pb, &seen](std::uint32_t cpu, std::uint64_t lost) {
        seen.insert(cpu);
        if (pb.lost) pb.lost(pb.ctx, static_cast<int>(cpu), lost);
      },
      only);
  return static_cast<long>(seen.size());
}

bool enable_buffers(perf_buffer& pb, std::size_t page_cnt) {
  if (!pb.array->set_buffer_pages(static_cast<std::uint32_t>(page_cnt))) return false;
  const std::uint32_t max = pb.array->spec().max_entries;
  const unsigned cpus = context().possible_cpus();
  const auto value = static_cast<std::uint32_t>(pb.waiter.poll_descriptor());
  for (std::uint32_t cpu = 0; cpu < cpus && cpu < max; ++cpu) {
    if (pb.array->user_update(&cpu, &value, BPF_ANY) != 0) return false;
    pb.keys.push_back(cpu);
  }
  return true;
}

}  // namespace

perf_buffer* perf_buffer__new(int map_fd, size_t page_cnt, perf_buffer_sample_fn sample_cb,
                              perf_buffer_lost_fn lost_cb, void* ctx,
                              const perf_buffer_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, perf_buffer_opts)) return fail_null<perf_buffer>(EINVAL);
  if (page_cnt == 0 || (page_cnt & (page_cnt - 1)) != 0 || page_cnt > (1U << 20)) {
    warn("page count should be power of two, but is " + std::to_string(page_cnt));
    return fail_null<perf_buffer>(EINVAL);
  }
  int error = 0;
  std::shared_ptr<MapResource> map = map_of(map_fd, &error);
  if (map == nullptr) {
    warn("failed to get map info for map FD " + std::to_string(map_fd) + ": " + error_text(error));
    return fail_null<perf_buffer>(error);
  }
  auto* array = dynamic_cast<PerfEventArray*>(map->map.get());
  if (array == nullptr) {
    warn("map '" + map->name + "' should be BPF_MAP_TYPE_PERF_EVENT_ARRAY");
    return fail_null<perf_buffer>(EINVAL);
  }
  auto waiter = xbpf::platform::Waiter::create();
  if (!waiter) {
    warn("failed to create epoll instance: " + waiter.error().message);
    return fail_null<perf_buffer>(errno_of(waiter.error(), ENOMEM));
  }
  auto pb = std::make_unique<perf_buffer>(std::move(*waiter));
  pb->map = map;
  pb->array = array;
  pb->sample = sample_cb;
  pb->lost = lost_cb;
  pb->ctx = ctx;
  const xbpf::platform::Waiter* waiting = &pb->waiter;
  pb->token = array->wakeup().add_notifier([waiting] { waiting->signal(); });
  if (!enable_buffers(*pb, page_cnt)) {
    warn("failed to set cpu buffers of map '" + map->name + "'");
    return fail_null<perf_buffer>(EINVAL);
  }
  return pb.release();
}

perf_buffer* perf_buffer__new_raw(int /*map_fd*/, size_t /*page_cnt*/, perf_event_attr* /*attr*/,
                                  perf_buffer_event_fn /*event_cb*/, void* /*ctx*/,
                                  const perf_buffer_raw_opts* /*opts*/) {
  warn("perf_buffer__new_raw: perf events (perf_event_attr) do not exist in user mode");
  return fail_null<perf_buffer>(EOPNOTSUPP);
}

void perf_buffer__free(perf_buffer* pb) { delete pb; }

int perf_buffer__epoll_fd(const perf_buffer* pb) {
  if (pb == nullptr) return fail(EINVAL);
  return pb->waiter.poll_descriptor();
}

int perf_buffer__poll(perf_buffer* pb, int timeout_ms) {
  if (pb == nullptr) return fail(EINVAL);
  if (!pb->array->ready()) {
    const int woken = pb->waiter.wait(timeout_ms);
    if (woken < 0) return fail(-woken);
  }
  return static_cast<int>(consume(*pb, std::nullopt));
}

int perf_buffer__consume(perf_buffer* pb) {
  if (pb == nullptr) return fail(EINVAL);
  consume(*pb, std::nullopt);
  return 0;
}

int perf_buffer__consume_buffer(perf_buffer* pb, size_t buf_idx) {
  if (pb == nullptr || buf_idx >= pb->keys.size()) return fail(EINVAL);
  consume(*pb, pb->keys[buf_idx]);
  return 0;
}

size_t perf_buffer__buffer_cnt(const perf_buffer* pb) {
  return pb == nullptr ? 0 : pb->keys.size();
}

int perf_buffer__buffer_fd(const perf_buffer* pb, size_t buf_idx) {
  if (pb == nullptr || buf_idx >= pb->keys.size()) return fail(EINVAL);
  return pb->waiter.poll_descriptor();
}

int perf_buffer__buffer(perf_buffer* pb, int buf_idx, void** /*buf*/, size_t* /*buf_size*/) {
  if (pb == nullptr || buf_idx < 0 || static_cast<size_t>(buf_idx) >= pb->keys.size()) {
    return fail(EINVAL);
  }
  warn("perf_buffer__buffer: xbpf's perf buffers have no perf_event_mmap_page to map");
  return fail(EOPNOTSUPP);
}
