// The calls the libbpf shared library interposes (compiled into it only, exported unversioned
// so that they stand in for the C library's, whichever libbpf the application was linked
// against): close, dup2 and dup3 tell the library a descriptor goes away; setsockopt lets it
// take SO_ATTACH_BPF / SO_DETACH_BPF for its own programs. Everything else goes on to the C
// library's function, found with dlsym(RTLD_NEXT).
#include <dlfcn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "platform/descriptors.h"

namespace {

template <class Function>
Function next_definition(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

void tell_closing(int fd) {
  if (auto closing = xbpf::platform::interposition().closing) closing(fd);
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int close(int fd) {
  static const auto next = next_definition<int (*)(int)>("close");
  tell_closing(fd);
  if (next != nullptr) return next(fd);
  return static_cast<int>(syscall(SYS_close, fd));
}

__attribute__((visibility("default"))) int dup2(int oldfd, int newfd) {
  static const auto next = next_definition<int (*)(int, int)>("dup2");
  if (oldfd != newfd) tell_closing(newfd);
  if (next != nullptr) return next(oldfd, newfd);
  return static_cast<int>(syscall(SYS_dup2, oldfd, newfd));
}

__attribute__((visibility("default"))) int dup3(int oldfd, int newfd, int flags) {
  static const auto next = next_definition<int (*)(int, int, int)>("dup3");
  if (oldfd != newfd) tell_closing(newfd);
  if (next != nullptr) return next(oldfd, newfd, flags);
  return static_cast<int>(syscall(SYS_dup3, oldfd, newfd, flags));
}

__attribute__((visibility("default"))) int setsockopt(int fd, int level, int name,
                                                      const void* value, socklen_t length) {
  static const auto next =
      next_definition<int (*)(int, int, int, const void*, socklen_t)>("setsockopt");
  if (level == SOL_SOCKET && (name == SO_ATTACH_BPF || name == SO_DETACH_BPF)) {
    if (auto handle = xbpf::platform::interposition().socket_option) {
      int result = 0;
      if (handle(fd, name, value, length, &result)) return result;
    }
  }
  if (next != nullptr) return next(fd, level, name, value, length);
  return static_cast<int>(syscall(SYS_setsockopt, fd, level, name, value, length));
}

}  // extern "C"
