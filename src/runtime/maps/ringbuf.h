// BPF_MAP_TYPE_RINGBUF (kernel/bpf/ringbuf.c) with Linux's layout, and a consumer like
// libbpf's ring_buffer.
//
// The arena is laid out as Linux's struct bpf_ringbuf: page 0 holds the producer lock (and
// the owner, so that submit and discard find the ring from a sample as Linux does from the
// header's page offset), page 1 the consumer position, page 2 the producer and pending
// positions, and the data area starts at page 3. Each record is an 8-byte header (u32 length
// with BPF_RINGBUF_BUSY_BIT and BPF_RINGBUF_DISCARD_BIT, u32 page offset of the header from
// the arena start) followed by the sample, the whole rounded up to 8 bytes. Linux maps the
// data pages twice in a row so a record crossing the end reads contiguously; here the data
// area is followed by a second copy of its length: reserving a record that crosses the end
// copies the ring's first bytes there, the sample is written contiguously, and submit or
// discard copies the wrapped part back to the start of the ring. The bytes are then the
// kernel's, byte for byte (tests/unit/maps_kernel_diff_test.cpp compares them).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "runtime/maps/map.h"
#include "runtime/maps/wakeup.h"

namespace xbpf::runtime {

inline constexpr std::uint32_t kRingbufBusyBit = 1U << 31;     // BPF_RINGBUF_BUSY_BIT
inline constexpr std::uint32_t kRingbufDiscardBit = 1U << 30;  // BPF_RINGBUF_DISCARD_BIT
inline constexpr std::uint32_t kRingbufHeaderSize = 8;         // BPF_RINGBUF_HDR_SZ
inline constexpr std::uint64_t kRbNoWakeup = 1;                // BPF_RB_NO_WAKEUP
inline constexpr std::uint64_t kRbForceWakeup = 2;             // BPF_RB_FORCE_WAKEUP
// bpf_ringbuf_query flags.
inline constexpr std::uint64_t kRbAvailData = 0;
inline constexpr std::uint64_t kRbRingSize = 1;
inline constexpr std::uint64_t kRbConsPos = 2;
inline constexpr std::uint64_t kRbProdPos = 3;

class RingBuf final : public Map {
 public:
  static constexpr std::size_t kPageSize = 4096;
  static constexpr std::size_t kDataPage = 3;  // data area offset in pages

  explicit RingBuf(const MapSpec& spec);
  ~RingBuf() override;
  bool init();

  // ---- Program side ----
  // bpf_ringbuf_reserve: the sample's address, or nullptr (flags not 0, too large, no room).
  void* reserve(std::uint64_t size, std::uint64_t flags);
  // bpf_ringbuf_submit / bpf_ringbuf_discard on a sample from reserve().
  void submit(void* sample, std::uint64_t flags) { commit(sample, flags, false); }
  void discard(void* sample, std::uint64_t flags) { commit(sample, flags, true); }
  // The same for a sample of any ring buffer (the helpers get no map argument): the ring is
  // found from the record header.
  static void submit_sample(void* sample, std::uint64_t flags);
  static void discard_sample(void* sample, std::uint64_t flags);
  // bpf_ringbuf_output: 0, -EINVAL (flags), -EAGAIN (no room).
  long output(const void* data, std::uint64_t size, std::uint64_t flags);
  // bpf_ringbuf_query.
  std::uint64_t query(std::uint64_t flags) const;

  // ---- Consumer (libbpf's ring_buffer__consume / __poll) ----
  // Called per submitted record (discarded ones are skipped); a negative return stops
  // consumption and is returned, a positive one stops it after this record.
  using Callback = std::function<int(const void* data, std::uint32_t size)>;
  // Consumes every record submitted in order, stopping at one still being written. Returns
  // the number of records passed to the callback, or the callback's negative result.
  long consume(const Callback& callback);
  // Waits up to timeout_ms (negative: forever) until a record is ready, then consumes.
  long poll(const Callback& callback, int timeout_ms);
  // Whether a record is ready to consume.
  [[nodiscard]] bool ready() const;
  // Where a consumer that sleeps elsewhere registers its notifier.
  Wakeup& wakeup() { return wakeup_; }

  // ---- The bytes, as Linux lays them out (tests, mmap-style readers) ----
  [[nodiscard]] const std::byte* data_area() const;
  [[nodiscard]] std::uint64_t data_size() const { return spec().max_entries; }
  [[nodiscard]] std::uint64_t consumer_pos() const;
  [[nodiscard]] std::uint64_t producer_pos() const;
  [[nodiscard]] const std::byte* arena() const;
  // The data area (with its wrap-around copy): where reserved samples live.
  [[nodiscard]] std::span<std::byte> storage() const override;

  // Map operations are not supported on a ring buffer (-ENOTSUPP from bpf(2)).
  void* lookup(const void* key, unsigned cpu) override;
  long update(const void* key, const void* value, std::uint64_t flags, unsigned cpu) override;
  long erase(const void* key, unsigned cpu) override;
  long user_lookup(const void* key, void* value, std::uint64_t flags) override;
  long user_update(const void* key, const void* value, std::uint64_t flags) override;
  long user_delete(const void* key) override;
  long get_next_key(const void* key, void* next_key) override;

 private:
  struct Storage;
  void commit(void* sample, std::uint64_t flags, bool discard);
  void wake() { wakeup_.wake(); }

  std::unique_ptr<Storage> storage_;
  Wakeup wakeup_;
};

}  // namespace xbpf::runtime
