// Numbers from the Linux eBPF ABI that xbpf returns or accepts on every platform: errno
// values (helpers and map operations return them negated), map and update flags.
#pragma once

#include <cstdint>

namespace xbpf::linux_abi {

// errno values as Linux defines them (Windows' <cerrno> differs).
inline constexpr long kEPERM = 1;
inline constexpr long kENOENT = 2;
inline constexpr long kE2BIG = 7;
inline constexpr long kEBADF = 9;
inline constexpr long kEAGAIN = 11;
inline constexpr long kENOMEM = 12;
inline constexpr long kEACCES = 13;
inline constexpr long kEFAULT = 14;
inline constexpr long kEBUSY = 16;
inline constexpr long kEEXIST = 17;
inline constexpr long kENODEV = 19;
inline constexpr long kEINVAL = 22;
inline constexpr long kENOSPC = 28;
inline constexpr long kERANGE = 34;
inline constexpr long kEOPNOTSUPP = 95;
inline constexpr long kENOTSUPP = 524;  // kernel-internal, returned by some BPF paths

// Update flags (bpf_map_update_elem).
inline constexpr std::uint64_t kAny = 0;      // BPF_ANY
inline constexpr std::uint64_t kNoExist = 1;  // BPF_NOEXIST
inline constexpr std::uint64_t kExist = 2;    // BPF_EXIST
inline constexpr std::uint64_t kLock = 4;     // BPF_F_LOCK

// Map creation flags.
inline constexpr std::uint32_t kNoPrealloc = 1U << 0;      // BPF_F_NO_PREALLOC
inline constexpr std::uint32_t kNoCommonLru = 1U << 1;     // BPF_F_NO_COMMON_LRU
inline constexpr std::uint32_t kNumaNode = 1U << 2;        // BPF_F_NUMA_NODE
inline constexpr std::uint32_t kRdonly = 1U << 3;          // BPF_F_RDONLY
inline constexpr std::uint32_t kWronly = 1U << 4;          // BPF_F_WRONLY
inline constexpr std::uint32_t kZeroSeed = 1U << 6;        // BPF_F_ZERO_SEED
inline constexpr std::uint32_t kRdonlyProg = 1U << 7;      // BPF_F_RDONLY_PROG
inline constexpr std::uint32_t kWronlyProg = 1U << 8;      // BPF_F_WRONLY_PROG
inline constexpr std::uint32_t kMmapable = 1U << 10;       // BPF_F_MMAPABLE
inline constexpr std::uint32_t kPreserveElems = 1U << 11;  // BPF_F_PRESERVE_ELEMS
inline constexpr std::uint32_t kInnerMap = 1U << 12;       // BPF_F_INNER_MAP

// enum bpf_map_type.
enum class MapType : std::uint32_t {
  unspec = 0,
  hash = 1,
  array = 2,
  prog_array = 3,
  perf_event_array = 4,
  percpu_hash = 5,
  percpu_array = 6,
  stack_trace = 7,
  cgroup_array = 8,
  lru_hash = 9,
  lru_percpu_hash = 10,
  lpm_trie = 11,
  array_of_maps = 12,
  hash_of_maps = 13,
  devmap = 14,
  sockmap = 15,
  cpumap = 16,
  xskmap = 17,
  sockhash = 18,
  cgroup_storage = 19,
  reuseport_sockarray = 20,
  percpu_cgroup_storage = 21,
  queue = 22,
  stack = 23,
  sk_storage = 24,
  devmap_hash = 25,
  struct_ops = 26,
  ringbuf = 27,
  inode_storage = 28,
  task_storage = 29,
  bloom_filter = 30,
  user_ringbuf = 31,
  cgrp_storage = 32,
  arena = 33,
};

}  // namespace xbpf::linux_abi
