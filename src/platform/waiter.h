// What the libbpf API's consumers sleep on (ring_buffer__poll, perf_buffer__poll) until a
// program writes: on Linux an epoll descriptor (the one ring_buffer__epoll_fd hands to the
// application, which may add it to its own epoll set) watching an eventfd that signal()
// makes readable. A signal delivered to the sleeping thread interrupts the wait, as it
// interrupts the kernel's epoll_wait. On Windows an event object, with no descriptor.
#pragma once

#include <cstdint>

#include "support/error.h"

namespace xbpf::platform {

class Waiter {
 public:
  // Fails with the host's errno in Error::linux_errno.
  static Result<Waiter> create();
  Waiter(Waiter&& other) noexcept;
  Waiter& operator=(Waiter&& other) noexcept;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  ~Waiter();

  // Wakes the current or next wait(); any thread, cheap to repeat.
  void signal() const;
  // Waits up to timeout_ms (negative: forever) for signal(). 1 when signalled (the signal is
  // consumed), 0 at the timeout, a negative host errno (-EINTR: a signal came).
  [[nodiscard]] int wait(int timeout_ms) const;
  // The descriptor an application may poll or add to its epoll set (-1 on Windows).
  [[nodiscard]] int poll_descriptor() const { return poll_fd_; }

 private:
  Waiter() = default;
  int poll_fd_ = -1;
  int event_fd_ = -1;
  std::intptr_t handle_ = 0;  // Windows: the event object
};

}  // namespace xbpf::platform
