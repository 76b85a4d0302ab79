// BPF_MAP_TYPE_PERF_EVENT_ARRAY: bpf_perf_event_output writes PERF_RECORD_SAMPLE records into
// per-CPU buffers laid out as perf's (struct perf_event_header, u32 raw size, raw data padded
// so the record is 8-byte aligned); a full buffer counts lost samples, reported by a
// PERF_RECORD_LOST record before the next sample that fits, as perf does. The consumer works
// like libbpf's perf_buffer: a callback per sample (index, data, size — the padded raw size,
// as libbpf passes it) and one per lost record.
//
// User space enables the buffer at an index by storing any u32 there (Linux stores a perf
// event fd opened on that CPU) and disables it by deleting the entry. As in Linux, a program
// may only write to the buffer of the CPU it runs on (index BPF_F_CURRENT_CPU or its own
// CPU number; another enabled index gives -EOPNOTSUPP). Each enabled index gets its own
// buffer, kept until the map dies so that a writer in flight never loses it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "runtime/maps/map.h"
#include "runtime/maps/wakeup.h"

namespace xbpf::runtime {

inline constexpr std::uint64_t kPerfIndexMask = 0xffffffffULL;   // BPF_F_INDEX_MASK
inline constexpr std::uint64_t kPerfCurrentCpu = 0xffffffffULL;  // BPF_F_CURRENT_CPU
inline constexpr std::uint32_t kPerfRecordLost = 2;              // PERF_RECORD_LOST
inline constexpr std::uint32_t kPerfRecordSample = 9;            // PERF_RECORD_SAMPLE

struct PerfEventHeader {  // struct perf_event_header
  std::uint32_t type;
  std::uint16_t misc;
  std::uint16_t size;
};

class PerfEventArray final : public Map {
 public:
  explicit PerfEventArray(const MapSpec& spec);
  ~PerfEventArray() override;

  // Size of the buffers enabled from now on, in 4 KiB pages (a power of 2; default 8).
  bool set_buffer_pages(std::uint32_t pages);

  // ---- Program side: bpf_perf_event_output. ----
  // `flags` holds the index (BPF_F_CURRENT_CPU for `cpu`'s). 0, -EINVAL (other flag bits),
  // -E2BIG (index out of range, record too large), -ENOENT (not enabled), -EOPNOTSUPP
  // (another CPU's buffer), -ENOSPC (buffer full: the sample is counted lost).
  long output(std::uint64_t flags, const void* data, std::uint64_t size, unsigned cpu);

  // ---- Consumer ----
  using SampleCallback =
      std::function<void(std::uint32_t index, const void* data, std::uint32_t size)>;
  using LostCallback = std::function<void(std::uint32_t index, std::uint64_t lost)>;
  // Every record of every buffer (of the buffer at `only`, when given); returns the number
  // of records (samples and lost records).
  long consume(const SampleCallback& sample, const LostCallback& lost,
               std::optional<std::uint32_t> only = std::nullopt);
  // Waits up to timeout_ms (negative: forever) for a record, then consumes.
  long poll(const SampleCallback& sample, const LostCallback& lost, int timeout_ms);
  // Whether any buffer holds a record.
  [[nodiscard]] bool ready();
  // Where a consumer that sleeps elsewhere registers its notifier.
  Wakeup& wakeup() { return wakeup_; }
  // Samples lost at an index since the map was created.
  [[nodiscard]] std::uint64_t lost_total(std::uint32_t index) const;

  void* lookup(const void* key, unsigned cpu) override;
  long update(const void* key, const void* value, std::uint64_t flags, unsigned cpu) override;
  long erase(const void* key, unsigned cpu) override;
  long user_lookup(const void* key, void* value, std::uint64_t flags) override;
  long user_update(const void* key, const void* value, std::uint64_t flags) override;
  long user_delete(const void* key) override;
  long get_next_key(const void* key, void* next_key) override;

 private:
  struct Buffer;
  bool has_data() const;
  void wake() { wakeup_.wake(); }

  std::vector<std::unique_ptr<Buffer>> buffers_;     // guarded by mutex_
  std::unique_ptr<std::atomic<Buffer*>[]> enabled_;  // lock-free for writers
  std::uint32_t pages_ = 8;
  std::mutex mutex_;
  Wakeup wakeup_;
};

}  // namespace xbpf::runtime
