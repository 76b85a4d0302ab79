// BPF_MAP_TYPE_RINGBUF: see ringbuf.h for the layout.
#include "runtime/maps/ringbuf.h"

#include <chrono>

#include "runtime/maps/map_internal.h"

namespace xbpf::runtime {

using namespace linux_abi;  // NOLINT(google-build-using-namespace)

namespace {

constexpr std::size_t kOwner = 0;                         // page 0: the RingBuf* (process-local)
constexpr std::size_t kLock = 64;                         // page 0: producer spinlock
constexpr std::size_t kConsumerPos = 4096;                // page 1
constexpr std::size_t kProducerPos = 8192;                // page 2
constexpr std::size_t kPendingPos = 8200;                 // page 2
constexpr std::uint64_t kMaxRecordSize = UINT32_MAX / 4;  // RINGBUF_MAX_RECORD_SZ

std::uint64_t load64(const std::byte* p, std::memory_order order) {
  return std::atomic_ref<std::uint64_t>(
             *reinterpret_cast<std::uint64_t*>(const_cast<std::byte*>(p)))
      .load(order);
}
void store64(std::byte* p, std::uint64_t v, std::memory_order order) {
  std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(p)).store(v, order);
}
std::uint32_t& header_len(std::byte* hdr) { return *reinterpret_cast<std::uint32_t*>(hdr); }
std::uint32_t& header_pgoff(std::byte* hdr) { return *reinterpret_cast<std::uint32_t*>(hdr + 4); }
std::uint64_t record_size(std::uint32_t len) {
  return maps::round_up8((len & ~(kRingbufBusyBit | kRingbufDiscardBit)) + kRingbufHeaderSize);
}

}  // namespace

struct RingBuf::Storage {
  maps::Arena arena;
  std::byte* data = nullptr;
  std::uint64_t mask = 0;
};

RingBuf::RingBuf(const MapSpec& spec) : Map(spec), storage_(std::make_unique<Storage>()) {}
RingBuf::~RingBuf() = default;

bool RingBuf::init() {
  const std::uint64_t size = spec().max_entries;
  if (!maps::Arena::allocate(storage_->arena, kDataPage * kPageSize + 2 * size, kPageSize)) {
    return false;
  }
  storage_->data = storage_->arena.at(kDataPage * kPageSize);
  storage_->mask = size - 1;
  RingBuf* self = this;
  std::memcpy(storage_->arena.at(kOwner), &self, sizeof self);
  return true;
}

const std::byte* RingBuf::data_area() const { return storage_->data; }
const std::byte* RingBuf::arena() const { return storage_->arena.data(); }

std::span<std::byte> RingBuf::storage() const { return {storage_->data, 2 * spec().max_entries}; }
std::uint64_t RingBuf::consumer_pos() const {
  return load64(storage_->arena.at(kConsumerPos), std::memory_order_acquire);
}
std::uint64_t RingBuf::producer_pos() const {
  return load64(storage_->arena.at(kProducerPos), std::memory_order_acquire);
}

void* RingBuf::reserve(std::uint64_t size, std::uint64_t flags) {
  if (flags != 0 || size > kMaxRecordSize) return nullptr;
  const std::uint64_t len = maps::round_up8(size + kRingbufHeaderSize);
  if (len > data_size()) return nullptr;
  Storage& s = *storage_;
  WordLock guard(s.arena.word(kLock));
  std::uint64_t cons = consumer_pos();
  std::uint64_t prod = load64(s.arena.at(kProducerPos), std::memory_order_relaxed);
  std::uint64_t pending = load64(s.arena.at(kPendingPos), std::memory_order_relaxed);
  // Move the pending position past committed records: the oldest record still being written
  // and the new one must fit in the ring together (Linux 6.10+).
  while (pending < prod) {
    std::uint32_t hdr_len = maps::load32(header_len(s.data + (pending & s.mask)));
    if ((hdr_len & kRingbufBusyBit) != 0) break;
    pending += record_size(hdr_len);
  }
  store64(s.arena.at(kPendingPos), pending, std::memory_order_relaxed);
  const std::uint64_t new_prod = prod + len;
  if (new_prod - cons > s.mask || new_prod - pending > s.mask) return nullptr;
  std::byte* hdr = s.data + (prod & s.mask);
  const std::uint64_t end = (prod & s.mask) + len;
  if (end > data_size()) {
    // The record runs past the end: its tail is written in the copy after the ring, which
    // must show what Linux's second mapping shows, the ring's first bytes.
    std::memcpy(s.data + data_size(), s.data, end - data_size());
  }
  auto offset = static_cast<std::uint32_t>((hdr - s.arena.data()) / kPageSize);
  maps::store32(header_pgoff(hdr), offset, std::memory_order_relaxed);
  maps::store32(header_len(hdr), static_cast<std::uint32_t>(size) | kRingbufBusyBit,
                std::memory_order_relaxed);
  store64(s.arena.at(kProducerPos), new_prod, std::memory_order_release);
  return hdr + kRingbufHeaderSize;
}

void RingBuf::commit(void* sample, std::uint64_t flags, bool discard) {
  Storage& s = *storage_;
  std::byte* hdr = static_cast<std::byte*>(sample) - kRingbufHeaderSize;
  std::uint32_t len = maps::load32(header_len(hdr), std::memory_order_relaxed);
  const std::uint64_t rec_pos = static_cast<std::uint64_t>(hdr - s.data);
  const std::uint64_t end = rec_pos + record_size(len);
  if (end > data_size()) {
    // The sample ran into the copy after the ring: put the wrapped part at the ring's start.
    std::memcpy(s.data, s.data + data_size(), end - data_size());
  }
  std::uint32_t new_len = len ^ kRingbufBusyBit;
  if (discard) new_len |= kRingbufDiscardBit;
  std::atomic_ref<std::uint32_t>(header_len(hdr)).exchange(new_len, std::memory_order_seq_cst);
  if ((flags & kRbNoWakeup) != 0) return;
  if ((flags & kRbForceWakeup) != 0 || (consumer_pos() & s.mask) == rec_pos) wake();
}

namespace {

RingBuf* owner_of(void* sample) {
  auto* hdr = static_cast<std::byte*>(sample) - kRingbufHeaderSize;
  std::uint32_t pages = maps::load32(header_pgoff(hdr), std::memory_order_relaxed);
  std::byte* base = hdr - (reinterpret_cast<std::uintptr_t>(hdr) % RingBuf::kPageSize) -
                    std::size_t{pages} * RingBuf::kPageSize;
  RingBuf* owner;
  std::memcpy(&owner, base + kOwner, sizeof owner);
  return owner;
}

}  // namespace

void RingBuf::submit_sample(void* sample, std::uint64_t flags) {
  owner_of(sample)->submit(sample, flags);
}
void RingBuf::discard_sample(void* sample, std::uint64_t flags) {
  owner_of(sample)->discard(sample, flags);
}

long RingBuf::output(const void* data, std::uint64_t size, std::uint64_t flags) {
  if ((flags & ~(kRbNoWakeup | kRbForceWakeup)) != 0) return -kEINVAL;
  void* sample = reserve(size, 0);
  if (sample == nullptr) return -kEAGAIN;
  std::memcpy(sample, data, size);
  commit(sample, flags, false);
  return 0;
}

std::uint64_t RingBuf::query(std::uint64_t flags) const {
  switch (flags) {
    case kRbAvailData: return producer_pos() - consumer_pos();
    case kRbRingSize: return data_size();
    case kRbConsPos: return consumer_pos();
    case kRbProdPos: return producer_pos();
    default: return 0;
  }
}

long RingBuf::consume(const Callback& callback) {
  Storage& s = *storage_;
  std::byte* cons_word = s.arena.at(kConsumerPos);
  std::uint64_t cons = load64(cons_word, std::memory_order_acquire);
  long count = 0;
  for (;;) {
    bool progress = false;
    std::uint64_t prod = producer_pos();
    while (cons < prod) {
      std::byte* hdr = s.data + (cons & s.mask);
      std::uint32_t len = maps::load32(header_len(hdr));
      if ((len & kRingbufBusyBit) != 0) return count;
      progress = true;
      cons += record_size(len);
      if ((len & kRingbufDiscardBit) == 0) {
        int result = callback(hdr + kRingbufHeaderSize, len);
        ++count;
        if (result != 0) {
          store64(cons_word, cons, std::memory_order_release);
          return result < 0 ? result : count;
        }
      }
      store64(cons_word, cons, std::memory_order_release);
    }
    if (!progress) return count;
  }
}

bool RingBuf::ready() const {
  std::uint64_t cons = consumer_pos();
  if (cons >= producer_pos()) return false;
  std::byte* hdr = storage_->data + (cons & storage_->mask);
  return (maps::load32(header_len(hdr)) & kRingbufBusyBit) == 0;
}

long RingBuf::poll(const Callback& callback, int timeout_ms) {
  wakeup_.wait(timeout_ms, [this] { return ready(); });
  return consume(callback);
}

void* RingBuf::lookup(const void* /*key*/, unsigned /*cpu*/) { return nullptr; }
long RingBuf::update(const void*, const void*, std::uint64_t, unsigned) { return -kENOTSUPP; }
long RingBuf::erase(const void*, unsigned) { return -kENOTSUPP; }
long RingBuf::user_lookup(const void*, void*, std::uint64_t flags) {
  if ((flags & ~kLock) != 0) return -kEINVAL;
  if ((flags & kLock) != 0) return -kEINVAL;
  return -kENOTSUPP;
}
long RingBuf::user_update(const void*, const void*, std::uint64_t flags) {
  if ((flags & kLock) != 0) return -kEINVAL;
  return -kENOTSUPP;
}
long RingBuf::user_delete(const void*) { return -kENOTSUPP; }
long RingBuf::get_next_key(const void*, void*) { return -kENOTSUPP; }

namespace maps {

Result<std::shared_ptr<Map>> create_ringbuf(const MapSpec& spec) {
  if ((spec.flags & ~kNumaNode) != 0) {
    return spec_error(
        spec, kEINVAL,
        "ring buffer: flags " + std::to_string(spec.flags) + ", expected only BPF_F_NUMA_NODE");
  }
  const std::uint32_t n = spec.max_entries;
  if (spec.key_size != 0 || spec.value_size != 0 || n == 0 || (n & (n - 1)) != 0 ||
      n % RingBuf::kPageSize != 0) {
    return spec_error(spec, kEINVAL,
                      "ring buffer: expected key_size 0, value_size 0 and max_entries a power of "
                      "2 and a multiple of 4096 (found key_size " +
                          std::to_string(spec.key_size) + ", value_size " +
                          std::to_string(spec.value_size) + ", max_entries " + std::to_string(n) +
                          ")");
  }
  auto map = std::make_shared<RingBuf>(spec);
  if (!map->init()) return spec_error(spec, kENOMEM, "ring buffer too large");
  return std::shared_ptr<Map>(std::move(map));
}

}  // namespace maps
}  // namespace xbpf::runtime
