#include "libbpf/library.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "platform/descriptors.h"
#include "platform/platform.h"

namespace xbpf::libbpf {
namespace {

bool same_word(const std::string& text, const char* word) {
  return std::equal(text.begin(), text.end(), word, word + std::strlen(word), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

// libbpf 1.3's default: WARN and INFO, or what LIBBPF_LOG_LEVEL (warn, info, debug) says.
libbpf_print_level default_level() {
  static const libbpf_print_level level = [] {
    const std::optional<std::string> chosen = platform::environment_variable("LIBBPF_LOG_LEVEL");
    if (!chosen) return LIBBPF_INFO;
    if (same_word(*chosen, "warn")) return LIBBPF_WARN;
    if (same_word(*chosen, "info")) return LIBBPF_INFO;
    if (same_word(*chosen, "debug")) return LIBBPF_DEBUG;
    std::fprintf(stderr,
                 "libbpf: unrecognized 'LIBBPF_LOG_LEVEL' envvar value: '%s', should be one of "
                 "'warn', 'debug', or 'info'.\n",
                 chosen->c_str());
    return LIBBPF_INFO;
  }();
  return level;
}

// (printf-like: clang checks the format it forwards.)
__attribute__((format(printf, 2, 0))) int default_print(libbpf_print_level level,
                                                        const char* format, va_list args) {
  if (level > default_level()) return 0;
  return std::vfprintf(stderr, format, args);
}

// (Wrapped: MinGW's va_list carries attributes a template argument would drop.)
struct PrintFunction {
  libbpf_print_fn_t function;
};
std::atomic<PrintFunction> print_function{PrintFunction{default_print}};

__attribute__((format(printf, 2, 3))) void call_print(libbpf_print_level level, const char* format,
                                                      ...) {
  const libbpf_print_fn_t function = print_function.load(std::memory_order_acquire).function;
  if (function == nullptr) return;
  const int saved = errno;
  va_list args;
  va_start(args, format);
  function(level, format, args);
  va_end(args);
  errno = saved;
}

}  // namespace

int fail(int error) {
  errno = error;
  return -error;
}

int fail_linux(long negative_linux_errno) {
  if (negative_linux_errno >= 0) return static_cast<int>(negative_linux_errno);
  return fail(platform::host_errno(-negative_linux_errno));
}

int errno_of(const Error& error, int fallback) {
  return error.linux_errno > 0 ? platform::host_errno(error.linux_errno) : fallback;
}

void print(libbpf_print_level level, const std::string& text) {
  call_print(level, "libbpf: %s\n", text.c_str());
}

void print_raw(libbpf_print_level level, const std::string& text) {
  call_print(level, "%s", text.c_str());
}

libbpf_print_fn_t set_print(libbpf_print_fn_t function) {
  return print_function.exchange(PrintFunction{function}, std::memory_order_acq_rel).function;
}

bool opts_valid(const void* opts, std::size_t size, std::size_t known, const char* type_name) {
  if (size < sizeof(std::size_t)) {
    warn(std::string(type_name) + " size (" + std::to_string(size) + ") is too small");
    return false;
  }
  const auto* bytes = static_cast<const unsigned char*>(opts);
  for (std::size_t i = known; i < size; ++i) {
    if (bytes[i] != 0) {
      warn(std::string(type_name) + " has non-zero extra bytes");
      return false;
    }
  }
  return true;
}

bool names_program(const Error& error, const std::string& name, const std::string& section) {
  const std::string& text = error.message;
  const std::string prefix = name + ": ";
  const std::string rejected = "the verifier rejects " + section + "/" + name + " ";
  return text.compare(0, prefix.size(), prefix) == 0 ||
         text.compare(0, rejected.size(), rejected) == 0;
}

std::string load_log(const Error& error, const std::string& program) {
  std::string text = error.message;
  if (text.compare(0, program.size() + 2, program + ": ") == 0) text.erase(0, program.size() + 2);
  // The runtime's hint for the command line does not apply to applications.
  const std::string hint = " (--no-verify runs it in the interpreter's checked mode)";
  if (const std::size_t at = text.find(hint); at != std::string::npos) text.erase(at, hint.size());
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

std::string error_text(int error) {
  error = error > 0 ? error : -error;
  switch (error) {
    case LIBBPF_ERRNO__LIBELF: return "Something wrong in libelf";
    case LIBBPF_ERRNO__FORMAT: return "BPF object format invalid";
    case LIBBPF_ERRNO__KVERSION: return "'version' section incorrect or lost";
    case LIBBPF_ERRNO__ENDIAN: return "Endian mismatch";
    case LIBBPF_ERRNO__INTERNAL: return "Internal error in libbpf";
    case LIBBPF_ERRNO__RELOC: return "Relocation failed";
    case LIBBPF_ERRNO__LOAD: return "(null)";  // libbpf's table has no text for it
    case LIBBPF_ERRNO__VERIFY: return "Kernel verifier blocks program loading";
    case LIBBPF_ERRNO__PROG2BIG: return "Program too big";
    case LIBBPF_ERRNO__KVER: return "Incorrect kernel version";
    case LIBBPF_ERRNO__PROGTYPE: return "Kernel doesn't support this program type";
    case LIBBPF_ERRNO__WRNGPID: return "Wrong pid in netlink message";
    case LIBBPF_ERRNO__INVSEQ: return "Invalid netlink sequence";
    case LIBBPF_ERRNO__NLPARSE: return "Incorrect netlink message parsing";
    default: break;
  }
  if (error < __LIBBPF_ERRNO__START) return platform::errno_text(error);
  return "Unknown libbpf error " + std::to_string(error);
}

}  // namespace xbpf::libbpf
