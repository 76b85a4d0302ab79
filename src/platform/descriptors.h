// Descriptors of the process that stand for objects a library keeps in its own memory (the
// libbpf API's map, program, link and BTF file descriptors): real descriptors, so that close,
// dup and fork behave as they do with the kernel's, and each with an identity that its
// duplicates share. Host errno values and their texts, memory protection and the CPU count the
// libbpf API reports live here too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/error.h"

namespace xbpf::platform {

// What every descriptor of one object shares (a dup, a child's inherited copy): on Linux the
// device and inode of the memfd behind it.
struct DescriptorIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  bool operator==(const DescriptorIdentity&) const = default;
};

// A new descriptor of its own (close-on-exec): a memfd named `name` on Linux, the NUL device
// on Windows. Fails with the host's errno in Error::linux_errno.
Result<int> create_descriptor(const std::string& name);
// The identity of `fd`, or nothing when it is not open.
std::optional<DescriptorIdentity> descriptor_identity(int fd);
// The other open descriptors of the process with this identity (Linux: from /proc/self/fd),
// `except` left out: a dup the library has not seen yet keeps its object alive.
std::vector<int> descriptors_with_identity(const DescriptorIdentity& identity, int except);
// Closes `fd` (the C library's close, past any interposer).
void close_descriptor(int fd);

// Descriptor interposition (Linux, in the shared library only: platform/linux/interpose.cpp
// defines close, dup2, dup3 and setsockopt there). The library registers what it wants told:
// `closing` before a descriptor is closed (or replaced by dup2/dup3), `socket_option` for a
// SOL_SOCKET option it may handle itself: it returns true when it did (its result in *result).
struct Interposition {
  void (*closing)(int fd) = nullptr;
  bool (*socket_option)(int fd, int name, const void* value, std::size_t size,
                        int* result) = nullptr;
};
void set_interposition(const Interposition& interposition);
Interposition interposition();
// The C library's own setsockopt and close, for the interposers.
int real_setsockopt(int fd, int level, int name, const void* value, std::size_t size);

// SOL_SOCKET, SO_ATTACH_BPF and SO_DETACH_BPF of this OS (0 where it has none).
int socket_level();
int socket_option_attach_bpf();
int socket_option_detach_bpf();

// Errno values: the host's for a Linux one (identical on Linux; the C runtime's numbers on
// Windows, ENOTSUPP 524 kept as it is), and the C library's text for a host value.
int host_errno(long linux_errno);
std::string errno_text(int host_errno);

// The number of CPUs the system may have (Linux: /sys/devices/system/cpu/possible, as libbpf's
// libbpf_num_possible_cpus reads it), at least cpu_count().
unsigned possible_cpu_count();

std::size_t page_size();
// Makes whole pages read-only (and back to read-write) for the process.
Status protect_read_only(void* memory, std::size_t size);
Status protect_read_write(void* memory, std::size_t size);

}  // namespace xbpf::platform
