// Shared by the libbpf API's tests: they use the library as an application does, through
// Debian's <bpf/*.h> and the shared library build/lib/libbpf.so.1, and the OS calls an
// application makes on its descriptors (close, dup, fork): Linux only, as applications are.
#pragma once

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace xbpf::libbpf_test {

// An object of tests/libbpf/programs, compiled by the build.
inline std::string program_path(const std::string& name) {
  return std::string(XBPF_LIBBPF_PROGRAMS) + "/" + name + ".o";
}

// What libbpf prints while one is alive, by level (the print callback is process-wide).
class PrintCapture {
 public:
  PrintCapture() {
    std::lock_guard lock(mutex());
    for (int level = 0; level < 3; ++level) text()[level].clear();
    previous_ = libbpf_set_print(&PrintCapture::print);
  }
  ~PrintCapture() { libbpf_set_print(previous_); }
  PrintCapture(const PrintCapture&) = delete;
  PrintCapture& operator=(const PrintCapture&) = delete;

  std::string warnings() const { return get(LIBBPF_WARN); }
  std::string all() const { return get(LIBBPF_WARN) + get(LIBBPF_INFO) + get(LIBBPF_DEBUG); }

 private:
  __attribute__((format(printf, 2, 0))) static int print(enum libbpf_print_level level,
                                                         const char* format, va_list args) {
    char buffer[65536];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    std::lock_guard lock(mutex());
    text()[level] += buffer;
    return 0;
  }
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::string* text() {
    static std::string levels[3];
    return levels;
  }
  std::string get(int level) const {
    std::lock_guard lock(mutex());
    return text()[level];
  }
  libbpf_print_fn_t previous_;
};

// Closes an object at the end of a scope.
struct ObjectCloser {
  void operator()(bpf_object* object) const { bpf_object__close(object); }
};
using ObjectPtr = std::unique_ptr<bpf_object, ObjectCloser>;

}  // namespace xbpf::libbpf_test
