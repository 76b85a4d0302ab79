// BPF_MAP_TYPE_PERF_EVENT_ARRAY: see perf_event_array.h.
#include "runtime/maps/perf_event_array.h"

#include <chrono>

#include "runtime/maps/map_internal.h"

namespace xbpf::runtime {

using namespace linux_abi;  // NOLINT(google-build-using-namespace)

namespace {

std::uint32_t read_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

// One perf ring: data_head and data_tail as in struct perf_event_mmap_page, the data bytes
// in an arena. Writers hold `lock` (several threads may act as one CPU here).
struct PerfEventArray::Buffer {
  maps::Arena arena;
  std::uint64_t size = 0;
  std::atomic<std::uint64_t> head{0};
  std::atomic<std::uint64_t> tail{0};
  std::uint32_t lock = 0;
  std::uint64_t pending_lost = 0;  // under lock
  std::atomic<std::uint64_t> lost_total{0};

  void write(std::uint64_t pos, const void* src, std::size_t n) {
    const auto* in = static_cast<const std::byte*>(src);
    for (std::size_t i = 0; i < n; ++i) arena.data()[(pos + i) & (size - 1)] = in[i];
  }
  void read(std::uint64_t pos, void* dst, std::size_t n) const {
    auto* out = static_cast<std::byte*>(dst);
    for (std::size_t i = 0; i < n; ++i) out[i] = arena.data()[(pos + i) & (size - 1)];
  }
};

PerfEventArray::PerfEventArray(const MapSpec& spec) : Map(spec) {
  const std::uint32_t n = spec.max_entries;
  enabled_.reset(new std::atomic<Buffer*>[n]);
  for (std::uint32_t i = 0; i < n; ++i) enabled_[i].store(nullptr, std::memory_order_relaxed);
  buffers_.resize(n);
}
PerfEventArray::~PerfEventArray() = default;

bool PerfEventArray::set_buffer_pages(std::uint32_t pages) {
  if (pages == 0 || (pages & (pages - 1)) != 0 || pages > (1U << 18)) return false;
  std::lock_guard<std::mutex> guard(mutex_);
  pages_ = pages;
  return true;
}

long PerfEventArray::output(std::uint64_t flags, const void* data, std::uint64_t size,
                            unsigned cpu) {
  if ((flags & ~kPerfIndexMask) != 0) return -kEINVAL;
  std::uint64_t index = flags & kPerfIndexMask;
  if (index == kPerfCurrentCpu) index = cpu;
  if (index >= spec().max_entries) return -kE2BIG;
  Buffer* buffer = enabled_[index].load(std::memory_order_acquire);
  if (buffer == nullptr) return -kENOENT;
  if (index != cpu) return -kEOPNOTSUPP;
  // The raw size is padded so that the record (header, u32 size, data) is 8-byte aligned.
  const std::uint64_t raw_size = maps::round_up8(size + 4) - 4;
  const std::uint64_t record = sizeof(PerfEventHeader) + 4 + raw_size;
  if (record > 0xffff || record > buffer->size) return -kE2BIG;
  {
    WordLock guard(buffer->lock);
    std::uint64_t head = buffer->head.load(std::memory_order_relaxed);
    std::uint64_t tail = buffer->tail.load(std::memory_order_acquire);
    if (buffer->pending_lost != 0) {
      constexpr std::uint64_t kLostSize = sizeof(PerfEventHeader) + 16;
      if (buffer->size - (head - tail) < kLostSize + record) {
        ++buffer->pending_lost;
        buffer->lost_total.fetch_add(1, std::memory_order_relaxed);
        return -kENOSPC;
      }
      PerfEventHeader h{kPerfRecordLost, 0, static_cast<std::uint16_t>(kLostSize)};
      std::uint64_t body[2] = {static_cast<std::uint64_t>(index), buffer->pending_lost};
      buffer->write(head, &h, sizeof h);
      buffer->write(head + sizeof h, body, sizeof body);
      head += kLostSize;
      buffer->pending_lost = 0;
    }
    if (buffer->size - (head - tail) < record) {
      ++buffer->pending_lost;
      buffer->lost_total.fetch_add(1, std::memory_order_relaxed);
      buffer->head.store(head, std::memory_order_release);
      return -kENOSPC;
    }
    PerfEventHeader h{kPerfRecordSample, 0, static_cast<std::uint16_t>(record)};
    auto raw = static_cast<std::uint32_t>(raw_size);
    buffer->write(head, &h, sizeof h);
    buffer->write(head + sizeof h, &raw, 4);
    buffer->write(head + sizeof h + 4, data, size);
    static constexpr std::byte kZero[8] = {};
    buffer->write(head + sizeof h + 4 + size, kZero, raw_size - size);
    buffer->head.store(head + record, std::memory_order_release);
  }
  wake();
  return 0;
}

long PerfEventArray::consume(const SampleCallback& sample, const LostCallback& lost,
                             std::optional<std::uint32_t> only) {
  long count = 0;
  std::vector<std::byte> record;
  for (std::uint32_t index = 0; index < spec().max_entries; ++index) {
    if (only && *only != index) continue;
    Buffer* buffer;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      buffer = buffers_[index].get();
    }
    if (buffer == nullptr) continue;
    std::uint64_t tail = buffer->tail.load(std::memory_order_relaxed);
    std::uint64_t head = buffer->head.load(std::memory_order_acquire);
    while (tail < head) {
      PerfEventHeader h;
      buffer->read(tail, &h, sizeof h);
      record.resize(h.size);
      buffer->read(tail, record.data(), h.size);
      if (h.type == kPerfRecordSample) {
        std::uint32_t raw;
        std::memcpy(&raw, record.data() + sizeof h, 4);
        if (sample) sample(index, record.data() + sizeof h + 4, raw);
      } else if (h.type == kPerfRecordLost) {
        std::uint64_t n;
        std::memcpy(&n, record.data() + sizeof h + 8, 8);
        if (lost) lost(index, n);
      }
      ++count;
      tail += h.size;
      buffer->tail.store(tail, std::memory_order_release);
    }
  }
  return count;
}

bool PerfEventArray::has_data() const {
  for (std::uint32_t index = 0; index < spec().max_entries; ++index) {
    Buffer* buffer = buffers_[index].get();
    if (buffer != nullptr && buffer->tail.load(std::memory_order_relaxed) !=
                                 buffer->head.load(std::memory_order_acquire)) {
      return true;
    }
  }
  return false;
}

bool PerfEventArray::ready() {
  std::lock_guard<std::mutex> guard(mutex_);
  return has_data();
}

long PerfEventArray::poll(const SampleCallback& sample, const LostCallback& lost, int timeout_ms) {
  wakeup_.wait(timeout_ms, [this] { return ready(); });
  return consume(sample, lost);
}

std::uint64_t PerfEventArray::lost_total(std::uint32_t index) const {
  if (index >= spec().max_entries) return 0;
  Buffer* buffer = enabled_[index].load(std::memory_order_acquire);
  return buffer == nullptr ? 0 : buffer->lost_total.load(std::memory_order_relaxed);
}

void* PerfEventArray::lookup(const void*, unsigned) { return nullptr; }
long PerfEventArray::update(const void*, const void*, std::uint64_t, unsigned) {
  return -kEOPNOTSUPP;
}
long PerfEventArray::erase(const void*, unsigned) { return -kEOPNOTSUPP; }

long PerfEventArray::user_lookup(const void*, void*, std::uint64_t flags) {
  if ((flags & ~kLock) != 0) return -kEINVAL;
  if (!maps::user_can_read(spec())) return -kEPERM;
  if ((flags & kLock) != 0) return -kEINVAL;
  return -kENOTSUPP;  // no map_fd_sys_lookup_elem for perf event arrays
}

long PerfEventArray::user_update(const void* key, const void* /*value*/, std::uint64_t flags) {
  if (!maps::user_can_write(spec())) return -kEPERM;
  if ((flags & kLock) != 0) return -kEINVAL;
  if (flags != kAny) return -kEINVAL;
  std::uint32_t index = read_u32(key);
  if (index >= spec().max_entries) return -kE2BIG;
  std::lock_guard<std::mutex> guard(mutex_);
  std::unique_ptr<Buffer>& buffer = buffers_[index];
  if (buffer == nullptr) {
    auto fresh = std::make_unique<Buffer>();
    fresh->size = std::uint64_t{pages_} * 4096;
    if (!maps::Arena::allocate(fresh->arena, fresh->size)) return -kENOMEM;
    buffer = std::move(fresh);
  }
  enabled_[index].store(buffer.get(), std::memory_order_release);
  return 0;
}

long PerfEventArray::user_delete(const void* key) {
  if (!maps::user_can_write(spec())) return -kEPERM;
  std::uint32_t index = read_u32(key);
  if (index >= spec().max_entries) return -kE2BIG;
  return enabled_[index].exchange(nullptr, std::memory_order_acq_rel) == nullptr ? -kENOENT : 0;
}

long PerfEventArray::get_next_key(const void* key, void* next_key) {
  if (!maps::user_can_read(spec())) return -kEPERM;
  std::uint32_t index = key == nullptr ? UINT32_MAX : read_u32(key);
  std::uint32_t next = 0;
  if (index < spec().max_entries) {
    if (index == spec().max_entries - 1) return -kENOENT;
    next = index + 1;
  }
  std::memcpy(next_key, &next, 4);
  return 0;
}

namespace maps {

Result<std::shared_ptr<Map>> create_perf_event_array(const MapSpec& spec) {
  std::string why;
  if (long err = check_fd_array_spec(spec, why); err != 0) {
    return spec_error(spec, err, "perf event array: " + why);
  }
  if (std::uint64_t{spec.max_entries} * 64 > kMaxArenaBytes) {
    return spec_error(spec, kENOMEM, "perf event array too large");
  }
  return std::shared_ptr<Map>(std::make_shared<PerfEventArray>(spec));
}

}  // namespace maps
}  // namespace xbpf::runtime
