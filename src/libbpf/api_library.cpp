// The library-wide calls: versions, errors, printing, strict mode, possible CPUs.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "libbpf/context.h"
#include "libbpf/library.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)

__u32 libbpf_major_version(void) { return LIBBPF_MAJOR_VERSION; }
__u32 libbpf_minor_version(void) { return LIBBPF_MINOR_VERSION; }
const char* libbpf_version_string(void) { return "v1.1"; }

int libbpf_strerror(int err, char* buf, size_t size) {
  if (buf == nullptr || size == 0) return fail(EINVAL);
  const int code = err > 0 ? err : -err;
  const std::string text = error_text(code);
  std::snprintf(buf, size, "%s", text.c_str());
  if (code >= __LIBBPF_ERRNO__START && text.size() >= size) return fail(ERANGE);
  if (code >= __LIBBPF_ERRNO__END) return fail(ENOENT);
  return 0;
}

long libbpf_get_error(const void* ptr) {
  // libbpf 1.0: pointers are NULL or valid, the error is in errno.
  const auto value = reinterpret_cast<std::uintptr_t>(ptr);
  if (value != 0 && value < static_cast<std::uintptr_t>(-4095)) return 0;
  if (value != 0) errno = static_cast<int>(-static_cast<long>(value));
  return -errno;
}

libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn) { return set_print(fn); }

int libbpf_set_strict_mode(enum libbpf_strict_mode /*mode*/) {
  return 0;  // libbpf 1.0 is always strict
}

XBPF_LIBBPF_EXPORT int libbpf_set_memlock_rlim(size_t /*memlock_bytes*/) {
  return 0;  // maps are the process's own memory: no RLIMIT_MEMLOCK to raise
}

int libbpf_num_possible_cpus(void) { return static_cast<int>(context().possible_cpus()); }
