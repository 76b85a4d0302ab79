// Selects the implementation for the target OS.
#include <atomic>

#if defined(_WIN32)
#include "platform/windows/descriptors_windows.inc"
#else
#include "platform/linux/descriptors_linux.inc"
#endif

namespace xbpf::platform {
namespace {
// Read by every close() of the process once interposed: atomics, set once by the library.
std::atomic<void (*)(int)> closing_hook{nullptr};
std::atomic<bool (*)(int, int, const void*, std::size_t, int*)> socket_option_hook{nullptr};
}  // namespace

void set_interposition(const Interposition& interposition) {
  closing_hook.store(interposition.closing, std::memory_order_release);
  socket_option_hook.store(interposition.socket_option, std::memory_order_release);
}

Interposition interposition() {
  Interposition current;
  current.closing = closing_hook.load(std::memory_order_acquire);
  current.socket_option = socket_option_hook.load(std::memory_order_acquire);
  return current;
}

}  // namespace xbpf::platform
