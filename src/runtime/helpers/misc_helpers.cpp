// Time, randomness, identity, checksums and strings.
#include <cstring>
#include <optional>
#include <random>

#include "platform/platform.h"
#include "runtime/helpers/helper_support.h"
#include "runtime/helpers/table.h"

namespace xbpf::runtime::helpers {
namespace {

// A replayed capture sets the run's clock to each packet's timestamp (xdp run --clock capture).
std::optional<std::uint64_t> run_clock(const RunState& state) {
  if (state.user == nullptr) return std::nullopt;
  return static_cast<const RunContext*>(state.user)->clock_ns;
}

XBPF_DEFINE_HELPER(ktime_get_ns) {
  const std::optional<std::uint64_t> clock = run_clock(state);
  return clock ? *clock : platform::monotonic_ns();
}
XBPF_DEFINE_HELPER(ktime_get_boot_ns) {
  const std::optional<std::uint64_t> clock = run_clock(state);
  return clock ? *clock : platform::boot_time_ns();
}
XBPF_DEFINE_HELPER(ktime_get_coarse_ns) {
  const std::optional<std::uint64_t> clock = run_clock(state);
  return clock ? *clock : platform::monotonic_ns();
}

XBPF_DEFINE_HELPER(get_prandom_u32) {
  // One generator per thread, seeded from the system's entropy.
  thread_local std::mt19937 generator{std::random_device{}()};
  return generator();
}

XBPF_DEFINE_HELPER(get_smp_processor_id) { return state.cpu; }

XBPF_DEFINE_HELPER(get_current_pid_tgid) {
  if (CurrentTask* task = current_task(state)) return task->pid_tgid();
  return (static_cast<u64>(platform::process_id()) << 32) | platform::thread_id();
}

XBPF_DEFINE_HELPER(get_current_comm) {
  const u64 size = r2;
  if (!check_memory(state, "get_current_comm", "buf", r1, size, true)) return 0;
  if (size == 0) return error_code(-linux_abi::kEINVAL);
  char* buf = pointer<char>(r1);
  std::memset(buf, 0, size);
  CurrentTask* task = current_task(state);
  const std::string name = task != nullptr ? task->comm() : platform::process_name();
  std::memcpy(buf, name.data(), std::min<std::size_t>(name.size(), size - 1));
  return 0;
}

// x86-64's csum_partial: the one's-complement sum of `seed` and the buffer read as
// little-endian 32-bit words (a last partial word zero-padded), folded to 32 bits with
// end-around carries. Zero only when the seed and every byte are.
std::uint32_t csum_partial(const std::uint8_t* bytes, u64 size, std::uint32_t seed) {
  u64 sum = seed;
  for (u64 i = 0; i < size; i += 4) {
    std::uint32_t word = 0;
    for (u64 k = 0; k < 4 && i + k < size; ++k)
      word |= static_cast<std::uint32_t>(bytes[i + k]) << (8 * k);
    sum += word;
  }
  while ((sum >> 32) != 0) sum = (sum & 0xffffffff) + (sum >> 32);
  return static_cast<std::uint32_t>(sum);
}

// bpf_csum_diff(from, from_size, to, to_size, seed), as Linux 6.12 and later compute it on
// every architecture: csum_sub(csum_partial(to, seed), csum_partial(from)), or one of the
// two alone, folded to 16 bits (csum_from32to16). Any sizes (the verifier checks the
// memory), no longer multiples of 4 only.
XBPF_DEFINE_HELPER(csum_diff) {
  const u64 from_size = r2, to_size = r4;
  if (!check_memory(state, "csum_diff", "from", r1, from_size, false)) return 0;
  if (!check_memory(state, "csum_diff", "to", r3, to_size, false)) return 0;
  const auto* from = pointer<const std::uint8_t>(r1);
  const auto* to = pointer<const std::uint8_t>(r3);
  auto seed = static_cast<std::uint32_t>(r5);
  std::uint32_t sum = seed;
  if (from_size != 0 && to_size != 0) {
    const std::uint32_t a = csum_partial(to, to_size, seed);
    const std::uint32_t b = ~csum_partial(from, from_size, 0);
    sum = a + b;
    sum += sum < b ? 1 : 0;  // csum_add's end-around carry
  } else if (to_size != 0) {
    sum = csum_partial(to, to_size, seed);
  } else if (from_size != 0) {
    sum = ~csum_partial(from, from_size, ~seed);
  }
  sum += (sum >> 16) | (sum << 16);
  return sum >> 16;
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
