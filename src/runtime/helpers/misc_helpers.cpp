// Time, randomness, identity, checksums and strings.
#include <cstring>
#include <random>

#include "platform/platform.h"
#include "runtime/helpers/helper_support.h"
#include "runtime/helpers/table.h"

namespace xbpf::runtime::helpers {
namespace {

XBPF_DEFINE_HELPER(ktime_get_ns) { return platform::monotonic_ns(); }
XBPF_DEFINE_HELPER(ktime_get_boot_ns) { return platform::boot_time_ns(); }
XBPF_DEFINE_HELPER(ktime_get_coarse_ns) { return platform::monotonic_ns(); }

XBPF_DEFINE_HELPER(get_prandom_u32) {
  // One generator per thread, seeded from the system's entropy.
  thread_local std::mt19937 generator{std::random_device{}()};
  return generator();
}

XBPF_DEFINE_HELPER(get_smp_processor_id) { return state.cpu; }

XBPF_DEFINE_HELPER(get_current_pid_tgid) {
  return (static_cast<u64>(platform::process_id()) << 32) | platform::thread_id();
}

XBPF_DEFINE_HELPER(get_current_comm) {
  const u64 size = r2;
  if (!check_memory(state, "get_current_comm", "buf", r1, size, true)) return 0;
  if (size == 0) return error_code(-linux_abi::kEINVAL);
  char* buf = pointer<char>(r1);
  std::memset(buf, 0, size);
  const std::string name = platform::process_name();
  std::memcpy(buf, name.data(), std::min<std::size_t>(name.size(), size - 1));
  return 0;
}

// bpf_csum_diff: the one's-complement sum (x86 csum_partial, 32 bits unfolded) of the
// negated `from` words and the `to` words, plus `seed`.
XBPF_DEFINE_HELPER(csum_diff) {
  const u64 from_size = r2, to_size = r4;
  constexpr u64 kMaxDiff = 512;  // sizeof(((struct bpf_scratchpad *)0)->diff)
  if (((from_size | to_size) & 3) != 0 || from_size + to_size > kMaxDiff) {
    return error_code(-linux_abi::kEINVAL);
  }
  if (!check_memory(state, "csum_diff", "from", r1, from_size, false)) return 0;
  if (!check_memory(state, "csum_diff", "to", r3, to_size, false)) return 0;
  u64 sum = static_cast<std::uint32_t>(r5);
  for (u64 i = 0; i < from_size; i += 4) {
    std::uint32_t word;
    std::memcpy(&word, pointer<std::uint8_t>(r1) + i, 4);
    sum += static_cast<std::uint32_t>(~word);
  }
  for (u64 i = 0; i < to_size; i += 4) {
    std::uint32_t word;
    std::memcpy(&word, pointer<std::uint8_t>(r3) + i, 4);
    sum += word;
  }
  while ((sum >> 32) != 0) sum = (sum & 0xffffffff) + (sum >> 32);
  return sum;
}

// bpf_strncmp(s1, s1_sz, s2): the kernel's strncmp, -1, 0 or 1.
XBPF_DEFINE_HELPER(strncmp) {
  const u64 size = r2;
  if (!check_memory(state, "strncmp", "s1", r1, size, false)) return 0;
  const auto* a = pointer<const unsigned char>(r1);
  const auto* b = pointer<const unsigned char>(r3);
  for (u64 i = 0; i < size; ++i) {
    if (!check_memory(state, "strncmp", "s2", r3 + i, 1, false)) return 0;
    if (a[i] != b[i]) return a[i] < b[i] ? static_cast<u64>(-1) : 1;
    if (a[i] == 0) break;
  }
  return 0;
}

}  // namespace

void register_misc_helpers(HelperTable& table) {
  table.add(5, ktime_get_ns);
  table.add(7, get_prandom_u32);
  table.add(8, get_smp_processor_id);
  table.add(14, get_current_pid_tgid);
  table.add(16, get_current_comm);
  table.add(28, csum_diff);
  table.add(125, ktime_get_boot_ns);
  table.add(160, ktime_get_coarse_ns);
  table.add(182, strncmp);
}

}  // namespace xbpf::runtime::helpers
