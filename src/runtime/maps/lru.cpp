// The LRU of BPF_MAP_TYPE_LRU_HASH and LRU_PERCPU_HASH (kernel/bpf/bpf_lru_list.c does the
// same job with per-CPU free lists and active/inactive lists; this is one list with second
// chances, which evicts in the same spirit: an element looked up by a program since it last
// reached the tail survives one more round).
//
// Lock order: the LRU lock, then a bucket lock (eviction). Updates and deletes take a
// bucket lock and the LRU lock one after the other, never nested that way round.
#include <algorithm>

#include "runtime/maps/hash_map.h"

namespace xbpf::runtime::maps {

// Links are element index + 1; 0 ends the list.

void HashMap::lru_push_head(std::uint32_t e) {
  std::uint32_t head = lru_head();
  field(e, kLruPrev) = 0;
  field(e, kLruNext) = head;
  if (head != 0) {
    field(head - 1, kLruPrev) = e + 1;
  } else {
    lru_tail() = e + 1;
  }
  lru_head() = e + 1;
}

void HashMap::lru_remove(std::uint32_t e) {
  std::uint32_t prev = field(e, kLruPrev);
  std::uint32_t next = field(e, kLruNext);
  if (prev != 0) {
    field(prev - 1, kLruNext) = next;
  } else {
    lru_head() = next;
  }
  if (next != 0) {
    field(next - 1, kLruPrev) = prev;
  } else {
    lru_tail() = prev;
  }
}

std::uint32_t HashMap::lru_acquire(unsigned cpu) {
  std::uint32_t e = pop_free(cpu);
  WordLock guard(lru_lock());
  if (e == kNone) {
    e = lru_evict();
    if (e == kNone) return kNone;
  } else {
    store32(field(e, kState), kPending);
  }
  lru_push_head(e);
  return e;
}

void HashMap::lru_release(std::uint32_t e, unsigned cpu) {
  {
    WordLock guard(lru_lock());
    lru_remove(e);
  }
  push_free(e, cpu);
}

std::uint32_t HashMap::lru_evict() {
  // Under the LRU lock. Referenced elements at the tail go back to the head with their bit
  // cleared, up to half the list per eviction: when nearly everything is referenced, the
  // oldest goes rather than the newest (which has not had the time to be looked up).
  const std::uint64_t limit = 2 * std::uint64_t{capacity()} + 2;
  const std::uint64_t rotations = std::max<std::uint64_t>(capacity() / 2, 1);
  for (std::uint64_t step = 0; step < limit; ++step) {
    std::uint32_t tail = lru_tail();
    if (tail == 0) return kNone;
    std::uint32_t e = tail - 1;
    lru_remove(e);
    if (step < rotations && load32(field(e, kRef), std::memory_order_relaxed) != 0) {
      store32(field(e, kRef), 0, std::memory_order_relaxed);
      lru_push_head(e);
      continue;
    }
    if (load32(field(e, kState)) == kLinked) {
      std::uint32_t hash = load32(field(e, kHash), std::memory_order_relaxed);
      std::uint32_t b = bucket_of(hash);
      WordLock bucket(bucket_lock(b));
      // Still linked in that bucket (an element's hash only changes while it is unlinked,
      // and unlinking needs this lock).
      if (load32(field(e, kState)) == kLinked &&
          load32(field(e, kHash), std::memory_order_relaxed) == hash) {
        unlink(b, e);
        std::atomic_ref<std::uint32_t>(arena_.word(0)).fetch_sub(1, std::memory_order_relaxed);
        return e;
      }
    }
    // Being inserted or removed by another thread: leave it.
    lru_push_head(e);
  }
  return kNone;
}

}  // namespace xbpf::runtime::maps
