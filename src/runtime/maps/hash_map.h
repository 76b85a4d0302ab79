// Internal: the hash table behind BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH,
// HASH_OF_MAPS and DEVMAP_HASH (kernel/bpf/hashtab.c, devmap.c).
//
// Layout, all in one arena and linked by element index:
//   header   element count, LRU list (lock, head, tail), free-list shards (lock, head)
//   buckets  2^n x {head link, lock}; n_buckets = roundup_pow_of_two(max_entries), as Linux
//   elements capacity x {next, hash, free_next, state, [lru prev, next, ref], key, values}
//
// Readers (lookup, get_next_key) take no lock: a chain ends in a "nulls" link naming its
// bucket (hlist_nulls); an element deleted and reused in another bucket while a reader walks
// it leads the reader to a foreign nulls, and it restarts. Elements are never freed while the
// map lives, so a value pointer a program got stays addressable (like Linux's preallocated
// maps, a concurrent delete may let it be reused). Writers lock the bucket. Updating an
// existing key links a fresh element before unlinking the old one, so a lookup always finds
// one of the two values whole (percpu maps and BPF_F_LOCK update in place, as in Linux).
#pragma once

#include "runtime/maps/map_internal.h"

namespace xbpf::runtime::maps {

class HashMap : public Map {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  struct Options {
    bool percpu = false;
    bool lru = false;
    bool identity_hash = false;  // devmap_hash: the bucket is key & (n_buckets - 1)
  };
  HashMap(const MapSpec& spec, Options options);
  bool init();

  void* lookup(const void* key, unsigned cpu) override;
  long update(const void* key, const void* value, std::uint64_t flags, unsigned cpu) override;
  long erase(const void* key, unsigned cpu) override;
  long user_lookup(const void* key, void* value, std::uint64_t flags) override;
  long user_update(const void* key, const void* value, std::uint64_t flags) override;
  long user_delete(const void* key) override;
  long get_next_key(const void* key, void* next_key) override;
  long user_lookup_and_delete(const void* key, void* value, std::uint64_t flags) override;

  // Number of keys present (for tests and bpftool-like listings).
  [[nodiscard]] std::uint32_t count() const;

 protected:
  enum class Source { one_copy, all_cpus };
  // What an update does when the key exists or not (check_flags).
  enum class Op { any, noexist, exist };

  // The element holding `key`, or kNone; no lock.
  [[nodiscard]] std::uint32_t find(const void* key, std::uint32_t hash) const;
  [[nodiscard]] std::uint32_t hash_key(const void* key) const;
  // Insert or replace. `value` is one value (the program's CPU's copy for per-CPU maps) or,
  // for Source::all_cpus, every CPU's copy, padded to 8 bytes each.
  long upsert(const void* key, const void* value, Op op, bool lock_flag, Source source,
              unsigned cpu);
  long remove(const void* key, void* value_out, bool lock_flag);

  // Called with a new element's index and the update's value before it is linked (map-in-map
  // attaches the inner map there).
  virtual void on_fill(std::uint32_t /*elem*/, const void* /*value*/) {}

  [[nodiscard]] std::byte* key_of(std::uint32_t e) const { return elem(e) + header_size_; }
  [[nodiscard]] std::byte* value_of(std::uint32_t e, unsigned copy = 0) const {
    return elem(e) + value_offset_ + std::size_t{copy} * value_stride_;
  }
  [[nodiscard]] bool percpu() const { return options_.percpu; }
  [[nodiscard]] bool lru() const { return options_.lru; }
  [[nodiscard]] std::uint32_t capacity() const { return capacity_; }

  [[nodiscard]] std::span<std::byte> storage() const override {
    return {arena_.data(), arena_.size()};
  }

 private:
  // Element header fields (byte offsets).
  static constexpr std::size_t kNext = 0, kHash = 4, kFreeNext = 8, kState = 12, kLruPrev = 16,
                               kLruNext = 20, kRef = 24;
  enum State : std::uint32_t { kFree = 0, kPending = 1, kLinked = 2 };

  [[nodiscard]] std::byte* elem(std::uint32_t e) const {
    return arena_.at(elements_ + std::size_t{e} * elem_size_);
  }
  [[nodiscard]] std::uint32_t& field(std::uint32_t e, std::size_t offset) const {
    return *reinterpret_cast<std::uint32_t*>(elem(e) + offset);
  }
  [[nodiscard]] std::uint32_t& bucket_head(std::uint32_t b) const {
    return arena_.word(buckets_ + std::size_t{b} * 8);
  }
  [[nodiscard]] std::uint32_t& bucket_lock(std::uint32_t b) const {
    return arena_.word(buckets_ + std::size_t{b} * 8 + 4);
  }
  [[nodiscard]] std::uint32_t& count_word() const { return arena_.word(0); }
  [[nodiscard]] std::uint32_t bucket_of(std::uint32_t hash) const {
    return hash & (n_buckets_ - 1);
  }

  // Under the bucket lock.
  [[nodiscard]] std::uint32_t find_locked(const void* key, std::uint32_t hash) const;
  void link_head(std::uint32_t b, std::uint32_t e);
  void unlink(std::uint32_t b, std::uint32_t e);
  void fill(std::uint32_t e, const void* key, std::uint32_t hash, const void* value, Source source,
            unsigned cpu);
  void write_existing(std::uint32_t e, const void* value, bool lock_flag, Source source,
                      unsigned cpu);
  void read_value(std::uint32_t e, void* out, bool lock_flag) const;

  // Free lists: shards of a locked stack (pcpu_freelist).
  std::uint32_t pop_free(unsigned cpu);
  void push_free(std::uint32_t e, unsigned cpu);
  void release(std::uint32_t e, unsigned cpu);  // after unlinking: back to the free pool
  bool reserve_count();
  void unreserve_count();

  long lru_upsert(const void* key, std::uint32_t hash, const void* value, Op op, Source source,
                  unsigned cpu);

  // LRU (lru.cpp): a list of the linked and pending elements under one lock, most recent at
  // the head; a lookup sets the element's reference bit; an allocation with no free element
  // gives referenced elements a second chance and evicts the first unreferenced one from the
  // tail.
  std::uint32_t lru_acquire(unsigned cpu);
  void lru_release(std::uint32_t e, unsigned cpu);
  std::uint32_t lru_evict();
  void lru_remove(std::uint32_t e);
  void lru_push_head(std::uint32_t e);
  [[nodiscard]] std::uint32_t& lru_lock() const { return arena_.word(64); }
  [[nodiscard]] std::uint32_t& lru_head() const { return arena_.word(68); }
  [[nodiscard]] std::uint32_t& lru_tail() const { return arena_.word(72); }
  void mark_referenced(std::uint32_t e) const {
    if (load32(field(e, kRef), std::memory_order_relaxed) == 0) {
      store32(field(e, kRef), 1, std::memory_order_relaxed);
    }
  }

  Options options_;
  ValueLayout layout_;
  std::uint32_t seed_ = 0;
  std::uint32_t n_buckets_ = 0;
  std::uint32_t capacity_ = 0;
  unsigned copies_ = 1;
  unsigned shards_ = 1;
  std::size_t header_size_ = 16;
  std::size_t value_offset_ = 0;
  std::size_t value_stride_ = 0;
  std::size_t elem_size_ = 0;
  std::size_t free_lists_ = 128;
  std::size_t buckets_ = 0;
  std::size_t elements_ = 0;
  Arena arena_;
};

}  // namespace xbpf::runtime::maps
