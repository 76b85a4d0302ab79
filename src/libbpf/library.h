// What every part of the library shares: libbpf 1.0's error conventions (a negative errno
// returned and errno set; NULL and errno for pointers), the print callback and its levels,
// and the checks of opts structs (sz smaller for older callers, larger with a zero tail).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "libbpf/abi.h"
#include "support/error.h"

// Exports a function the headers declare without LIBBPF_API (libbpf_set_memlock_rlim): the
// library is built with hidden visibility, and the Windows DLL exports by its .def file.
#if defined(_WIN32)
#define XBPF_LIBBPF_EXPORT
#else
#define XBPF_LIBBPF_EXPORT __attribute__((visibility("default")))
#endif

namespace xbpf::libbpf {

// Sets errno to `error` (a positive host errno) and returns -error.
int fail(int error);
// The same for a negative Linux errno, as the runtime and maps return them (host numbers on
// Windows); 0 stays 0 and leaves errno alone.
int fail_linux(long negative_linux_errno);
// errno for an Error: its linux_errno when it has one, else `fallback` (a host errno).
int errno_of(const Error& error, int fallback);
// Sets errno and returns nullptr.
template <class T>
T* fail_null(int error) {
  fail(error);
  return nullptr;
}

// libbpf_print: "libbpf: " and the text, through the callback libbpf_set_print installed
// (by default: standard error, WARN and INFO, or the level LIBBPF_LOG_LEVEL names). errno is
// kept across the call, as libbpf keeps it.
void print(libbpf_print_level level, const std::string& text);
inline void warn(const std::string& text) { print(LIBBPF_WARN, text); }
inline void info(const std::string& text) { print(LIBBPF_INFO, text); }
inline void debug(const std::string& text) { print(LIBBPF_DEBUG, text); }
// Prints text that already ends with its newlines, without the prefix (the PROG LOAD LOG).
void print_raw(libbpf_print_level level, const std::string& text);
libbpf_print_fn_t set_print(libbpf_print_fn_t function);

// libbpf's OPTS_VALID: `size` (opts->sz) at least a size_t, and any bytes past the fields
// this version knows (`known`) zero. Warns as libbpf does otherwise.
bool opts_valid(const void* opts, std::size_t size, std::size_t known, const char* type_name);

// Whether a load error is about the program `name` of `section` (the runtime's messages start
// with "NAME: " or "the verifier rejects SECTION/NAME").
bool names_program(const Error& error, const std::string& name, const std::string& section);
// A load error as the verifier log the kernel writes to log_buf: the verifier's report (where,
// the source line, the state), ending with a newline.
std::string load_log(const Error& error, const std::string& program);

// The text libbpf_strerror gives for `error` (positive or negative).
std::string error_text(int error);

}  // namespace xbpf::libbpf

// OPTS_VALID(opts, type) and OPTS_GET(opts, field, fallback) as libbpf spells them; `type`'s
// last field is the header's `type##__last_field`.
#define XBPF_OPTS_KNOWN(type) \
  (offsetof(struct type, type##__last_field) + sizeof(((struct type*)nullptr)->type##__last_field))
#define XBPF_OPTS_VALID(opts, type) \
  ((opts) == nullptr ||             \
   ::xbpf::libbpf::opts_valid((opts), (opts)->sz, XBPF_OPTS_KNOWN(type), #type))
#define XBPF_OPTS_HAS(opts, field) \
  ((opts) != nullptr &&            \
   (opts)->sz >= offsetof(std::remove_cvref_t<decltype(*(opts))>, field) + sizeof((opts)->field))
#define XBPF_OPTS_GET(opts, field, fallback) \
  (XBPF_OPTS_HAS(opts, field) ? (opts)->field : (fallback))
