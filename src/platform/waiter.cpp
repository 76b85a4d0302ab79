// Selects the implementation for the target OS.
#include "platform/waiter.h"

#if defined(_WIN32)
#include "platform/windows/waiter_windows.inc"
#else
#include "platform/linux/waiter_linux.inc"
#endif

namespace xbpf::platform {

Waiter::Waiter(Waiter&& other) noexcept
    : poll_fd_(other.poll_fd_), event_fd_(other.event_fd_), handle_(other.handle_) {
  other.poll_fd_ = -1;
  other.event_fd_ = -1;
  other.handle_ = 0;
}

Waiter& Waiter::operator=(Waiter&& other) noexcept {
  if (this != &other) {
    Waiter old(std::move(*this));
    poll_fd_ = other.poll_fd_;
    event_fd_ = other.event_fd_;
    handle_ = other.handle_;
    other.poll_fd_ = -1;
    other.event_fd_ = -1;
    other.handle_ = 0;
  }
  return *this;
}

}  // namespace xbpf::platform
