// Ring buffers (ring_buffer__*) over the runtime's BPF_MAP_TYPE_RINGBUF: each ring's records
// are consumed in place, and the manager sleeps on a platform::Waiter that every ring it
// holds signals when a program's submit would wake the kernel's epoll (the consumer had
// caught up, or BPF_RB_FORCE_WAKEUP; never with BPF_RB_NO_WAKEUP). Its descriptor is what
// ring_buffer__epoll_fd returns. As in libbpf 1.1, a callback's negative return stops the
// consumption and is returned; any other return goes on to the next record.
#include <cerrno>
#include <climits>
#include <memory>
#include <vector>

#include "libbpf/library.h"
#include "libbpf/map_access.h"
#include "platform/waiter.h"
#include "runtime/maps/ringbuf.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)
using xbpf::runtime::RingBuf;

struct ring_buffer {
  struct Ring {
    std::shared_ptr<MapResource> map;  // keeps the ring alive
    RingBuf* ring = nullptr;
    ring_buffer_sample_fn sample = nullptr;
    void* ctx = nullptr;
    std::uint64_t token = 0;
  };
  explicit ring_buffer(xbpf::platform::Waiter w) : waiter(std::move(w)) {}
  ~ring_buffer() {
    for (Ring& ring : rings) ring.ring->wakeup().remove_notifier(ring.token);
  }
  ring_buffer(const ring_buffer&) = delete;
  ring_buffer& operator=(const ring_buffer&) = delete;

  xbpf::platform::Waiter waiter;
  std::vector<Ring> rings;
};

namespace {

// Consumes one ring: the records passed to the callback, or its negative return.
long consume_ring(ring_buffer::Ring& ring) {
  return ring.ring->consume([&ring](const void* data, std::uint32_t size) {
    const int result = ring.sample(ring.ctx, const_cast<void*>(data), size);
    return result < 0 ? result : 0;
  });
}

// Every ring, as libbpf's ring_buffer__consume: the total (at most INT_MAX), or the first
// negative return. What is left (a callback stopped early) keeps the descriptor readable, as
// the kernel's level-triggered epoll leaves it.
int consume_all(ring_buffer& rb) {
  long total = 0;
  for (ring_buffer::Ring& ring : rb.rings) {
    const long consumed = consume_ring(ring);
    if (consumed < 0) {
      rb.waiter.signal();
      return fail(static_cast<int>(-consumed));
    }
    total += consumed;
  }
  return total > INT_MAX ? INT_MAX : static_cast<int>(total);
}

bool any_ready(const ring_buffer& rb) {
  for (const ring_buffer::Ring& ring : rb.rings) {
    if (ring.ring->ready()) return true;
  }
  return false;
}

}  // namespace

ring_buffer* ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb, void* ctx,
                              const ring_buffer_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, ring_buffer_opts)) return fail_null<ring_buffer>(EINVAL);
  auto waiter = xbpf::platform::Waiter::create();
  if (!waiter) {
    warn("ringbuf: " + waiter.error().message);
    return fail_null<ring_buffer>(errno_of(waiter.error(), ENOMEM));
  }
  auto rb = std::make_unique<ring_buffer>(std::move(*waiter));
  const int err = ring_buffer__add(rb.get(), map_fd, sample_cb, ctx);
  if (err != 0) return fail_null<ring_buffer>(-err);
  return rb.release();
}

int ring_buffer__add(ring_buffer* rb, int map_fd, ring_buffer_sample_fn sample_cb, void* ctx) {
  if (rb == nullptr || sample_cb == nullptr) return fail(EINVAL);
  int error = 0;
  std::shared_ptr<MapResource> map = map_of(map_fd, &error);
  if (map == nullptr) {
    warn("ringbuf: failed to get map info for fd=" + std::to_string(map_fd) + ": " +
         error_text(error));
    return fail(error);
  }
  auto* ring = dynamic_cast<RingBuf*>(map->map.get());
  if (ring == nullptr) {
    warn("ringbuf: map fd=" + std::to_string(map_fd) + " is not BPF_MAP_TYPE_RINGBUF, skipping");
    return fail(EINVAL);
  }
  ring_buffer::Ring entry{map, ring, sample_cb, ctx, 0};
  const xbpf::platform::Waiter* waiter = &rb->waiter;
  entry.token = ring->wakeup().add_notifier([waiter] { waiter->signal(); });
  rb->rings.push_back(std::move(entry));
  // Records already there make the descriptor readable at once, as the kernel's.
  if (ring->ready()) rb->waiter.signal();
  return 0;
}

void ring_buffer__free(ring_buffer* rb) { delete rb; }

int ring_buffer__poll(ring_buffer* rb, int timeout_ms) {
  if (rb == nullptr) return fail(EINVAL);
  if (!any_ready(*rb)) {
    const int woken = rb->waiter.wait(timeout_ms);
    if (woken < 0) return fail(-woken);
  }
  return consume_all(*rb);
}

int ring_buffer__consume(ring_buffer* rb) {
  if (rb == nullptr) return fail(EINVAL);
  return consume_all(*rb);
}

int ring_buffer__epoll_fd(const ring_buffer* rb) {
  if (rb == nullptr) return fail(EINVAL);
  return rb->waiter.poll_descriptor();
}
