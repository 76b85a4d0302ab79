// The hash family (kernel/bpf/hashtab.c): see hash_map.h for the layout and the concurrency.
#include "runtime/maps/hash_map.h"

#include <algorithm>
#include <bit>

namespace xbpf::runtime::maps {

namespace {

constexpr std::uint32_t kHtabCreateFlags =
    kNoPrealloc | kNoCommonLru | kNumaNode | kAccessMask | kZeroSeed;
constexpr std::uint64_t kKmallocMaxSize = std::uint64_t{1} << 22;
constexpr std::uint64_t kHtabElemSize = 48;  // sizeof(struct htab_elem) on x86-64
constexpr std::uint32_t kPcpuMinUnitSize = 32 << 10;

constexpr bool is_nulls(std::uint32_t link) { return (link & 1) != 0; }
constexpr std::uint32_t nulls(std::uint32_t bucket) { return (bucket << 1) | 1; }
constexpr std::uint32_t elem_link(std::uint32_t e) { return e << 1; }

}  // namespace

HashMap::HashMap(const MapSpec& spec, Options options)
    : Map(spec), options_(options), layout_{spec.value_size, spec.spin_lock_offset} {
  copies_ = options_.percpu ? spec.possible_cpus : 1;
  n_buckets_ = std::bit_ceil(spec.max_entries);
  // Linux preallocates max_entries elements plus one spare per CPU for replacing existing keys
  // of a full map (LRU maps: exactly max_entries, a replacement may evict).
  capacity_ = spec.max_entries;
  if (!options_.lru) capacity_ += std::max(spec.possible_cpus, 4U);
  shards_ = std::clamp(spec.possible_cpus, 1U, 64U);
  header_size_ = options_.lru ? 32 : 16;
  value_offset_ = header_size_ + round_up8(spec.key_size);
  value_stride_ = round_up8(spec.value_size);
  elem_size_ = value_offset_ + value_stride_ * copies_;
  buckets_ = free_lists_ + std::size_t{shards_} * 64;
  elements_ = (buckets_ + std::size_t{n_buckets_} * 8 + 63) & ~std::size_t{63};
  seed_ = (spec.flags & kZeroSeed) != 0 || options_.identity_hash ? 0 : random_seed();
}

bool HashMap::init() {
  std::uint64_t bytes = elements_ + std::uint64_t{capacity_} * elem_size_;
  if (bytes > kMaxArenaBytes || !Arena::allocate(arena_, static_cast<std::size_t>(bytes))) {
    return false;
  }
  for (std::uint32_t b = 0; b < n_buckets_; ++b) bucket_head(b) = nulls(b);
  // Spread the elements over the shards, each a stack linked by free_next (index + 1).
  for (std::uint32_t e = capacity_; e-- > 0;) {
    std::uint32_t& head = arena_.word(free_lists_ + std::size_t{e % shards_} * 64 + 4);
    field(e, kFreeNext) = head;
    head = e + 1;
  }
  return true;
}

std::uint32_t HashMap::count() const { return load32(count_word(), std::memory_order_relaxed); }

std::uint32_t HashMap::hash_key(const void* key) const {
  if (options_.identity_hash) {
    std::uint32_t k;
    std::memcpy(&k, key, 4);
    return k;
  }
  return htab_hash(key, spec().key_size, seed_);
}

std::uint32_t HashMap::find(const void* key, std::uint32_t hash) const {
  const std::uint32_t b = bucket_of(hash);
  const std::uint32_t key_size = spec().key_size;
  for (;;) {
    std::uint32_t link = load32(bucket_head(b));
    while (!is_nulls(link)) {
      std::uint32_t e = link >> 1;
      if (load32(field(e, kHash), std::memory_order_relaxed) == hash &&
          equal_arena(key_of(e), key, key_size)) {
        return e;
      }
      link = load32(field(e, kNext));
    }
    // Ended in another bucket's list: an element moved under us. Walk again.
    if ((link >> 1) == b) return kNone;
  }
}

std::uint32_t HashMap::find_locked(const void* key, std::uint32_t hash) const {
  std::uint32_t link = load32(bucket_head(bucket_of(hash)), std::memory_order_relaxed);
  while (!is_nulls(link)) {
    std::uint32_t e = link >> 1;
    if (load32(field(e, kHash), std::memory_order_relaxed) == hash &&
        equal_arena(key_of(e), key, spec().key_size)) {
      return e;
    }
    link = load32(field(e, kNext), std::memory_order_relaxed);
  }
  return kNone;
}

void HashMap::link_head(std::uint32_t b, std::uint32_t e) {
  store32(field(e, kNext), load32(bucket_head(b), std::memory_order_relaxed),
          std::memory_order_relaxed);
  store32(field(e, kState), kLinked);
  store32(bucket_head(b), elem_link(e));  // release: the element's contents before the link
}

void HashMap::unlink(std::uint32_t b, std::uint32_t e) {
  // The unlinked element keeps its next link, so a reader standing on it walks on.
  std::uint32_t next = load32(field(e, kNext), std::memory_order_relaxed);
  std::uint32_t* slot = &bucket_head(b);
  for (std::uint32_t link = load32(*slot, std::memory_order_relaxed); !is_nulls(link);
       link = load32(*slot, std::memory_order_relaxed)) {
    if ((link >> 1) == e) {
      store32(*slot, next);
      break;
    }
    slot = &field(link >> 1, kNext);
  }
  store32(field(e, kState), kPending);
}

void HashMap::fill(std::uint32_t e, const void* key, std::uint32_t hash, const void* value,
                   Source source, unsigned cpu) {
  copy_to_arena(key_of(e), key, spec().key_size);
  store32(field(e, kHash), hash, std::memory_order_relaxed);
  if (source == Source::all_cpus) {
    copy_to_arena(value_of(e), value, value_stride_ * copies_);
  } else if (options_.percpu) {
    cpu %= copies_;
    // pcpu_init_value: this CPU's copy, zeroes elsewhere.
    for (unsigned c = 0; c < copies_; ++c) {
      if (c == cpu) {
        copy_to_arena(value_of(e, c), value, spec().value_size);
      } else {
        zero_arena(value_of(e, c), value_stride_);
      }
    }
  } else {
    if (layout_.lock >= 0) store32(layout_.lock_in(value_of(e)), 0, std::memory_order_relaxed);
    layout_.write(value_of(e), value);
  }
  if (options_.lru) store32(field(e, kRef), 0, std::memory_order_relaxed);
  on_fill(e, value);
}

void HashMap::write_existing(std::uint32_t e, const void* value, bool lock_flag, Source source,
                             unsigned cpu) {
  if (source == Source::all_cpus) {
    copy_to_arena(value_of(e), value, value_stride_ * copies_);
  } else if (options_.percpu) {
    copy_to_arena(value_of(e, cpu % copies_), value, spec().value_size);
  } else if (lock_flag) {
    layout_.write_locked(value_of(e), value);
  } else {
    layout_.write(value_of(e), value);
  }
}

void HashMap::read_value(std::uint32_t e, void* out, bool lock_flag) const {
  if (options_.percpu) {
    copy_from_arena(out, value_of(e), value_stride_ * copies_);
  } else if (lock_flag) {
    layout_.read_locked(out, value_of(e));
  } else {
    layout_.read(out, value_of(e));
  }
}

std::uint32_t HashMap::pop_free(unsigned cpu) {
  for (unsigned i = 0; i < shards_; ++i) {
    std::size_t shard = free_lists_ + std::size_t{(cpu + i) % shards_} * 64;
    std::uint32_t& head = arena_.word(shard + 4);
    if (load32(head, std::memory_order_relaxed) == 0) continue;
    WordLock guard(arena_.word(shard));
    std::uint32_t top = load32(head, std::memory_order_relaxed);
    if (top == 0) continue;
    store32(head, field(top - 1, kFreeNext), std::memory_order_relaxed);
    return top - 1;
  }
  return kNone;
}

void HashMap::push_free(std::uint32_t e, unsigned cpu) {
  std::size_t shard = free_lists_ + std::size_t{cpu % shards_} * 64;
  store32(field(e, kState), kFree);
  WordLock guard(arena_.word(shard));
  std::uint32_t& head = arena_.word(shard + 4);
  field(e, kFreeNext) = load32(head, std::memory_order_relaxed);
  store32(head, e + 1, std::memory_order_relaxed);
}

void HashMap::release(std::uint32_t e, unsigned cpu) {
  if (options_.lru) {
    lru_release(e, cpu);
  } else {
    push_free(e, cpu);
  }
}

bool HashMap::reserve_count() {
  std::atomic_ref<std::uint32_t> count(count_word());
  std::uint32_t n = count.load(std::memory_order_relaxed);
  do {
    if (n >= spec().max_entries) return false;
  } while (!count.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return true;
}

void HashMap::unreserve_count() {
  std::atomic_ref<std::uint32_t>(count_word()).fetch_sub(1, std::memory_order_relaxed);
}

long HashMap::upsert(const void* key, const void* value, Op op, bool lock_flag, Source source,
                     unsigned cpu) {
  const std::uint32_t hash = hash_key(key);
  if (options_.lru) return lru_upsert(key, hash, value, op, source, cpu);
  if (lock_flag) {
    // htab_map_update_elem: an existing element is updated in place under its value lock
    // without the bucket lock.
    std::uint32_t e = find(key, hash);
    if (e != kNone && op == Op::noexist) return -kEEXIST;
    if (e == kNone && op == Op::exist) return -kENOENT;
    if (e != kNone) {
      layout_.write_locked(value_of(e), value);
      return 0;
    }
  }
  const std::uint32_t b = bucket_of(hash);
  std::uint32_t freed = kNone;
  {
    WordLock guard(bucket_lock(b));
    std::uint32_t old = find_locked(key, hash);
    if (old != kNone && op == Op::noexist) return -kEEXIST;
    if (old == kNone && op == Op::exist) return -kENOENT;
    if (old != kNone && (lock_flag || options_.percpu)) {
      write_existing(old, value, lock_flag, source, cpu);
      return 0;
    }
    if (old == kNone && !reserve_count()) return -kE2BIG;
    std::uint32_t e = pop_free(cpu);
    if (e == kNone) {
      // Every spare is in flight in concurrent replacements: update in place rather than fail.
      if (old == kNone) {
        unreserve_count();
        return -kE2BIG;
      }
      write_existing(old, value, false, source, cpu);
      on_fill(old, value);
      return 0;
    }
    store32(field(e, kState), kPending, std::memory_order_relaxed);
    fill(e, key, hash, value, source, cpu);
    link_head(b, e);
    if (old != kNone) {
      unlink(b, old);
      freed = old;
    }
  }
  if (freed != kNone) push_free(freed, cpu);
  return 0;
}

long HashMap::remove(const void* key, void* value_out, bool lock_flag) {
  const std::uint32_t hash = hash_key(key);
  const std::uint32_t b = bucket_of(hash);
  std::uint32_t e;
  {
    WordLock guard(bucket_lock(b));
    e = find_locked(key, hash);
    if (e == kNone) return -kENOENT;
    if (value_out != nullptr) read_value(e, value_out, lock_flag);
    unlink(b, e);
  }
  unreserve_count();
  release(e, 0);
  return 0;
}

void* HashMap::lookup(const void* key, unsigned cpu) {
  std::uint32_t e = find(key, hash_key(key));
  if (e == kNone) return nullptr;
  if (options_.lru) mark_referenced(e);
  return value_of(e, options_.percpu ? cpu % copies_ : 0);
}

namespace {

long check_update_flags(std::uint64_t flags, bool allow_lock) {
  std::uint64_t op = allow_lock ? (flags & ~kLock) : flags;
  return op > kExist ? -kEINVAL : 0;
}

}  // namespace

long HashMap::update(const void* key, const void* value, std::uint64_t flags, unsigned cpu) {
  // htab_map_update_elem accepts BPF_F_LOCK; the per-CPU and LRU variants do not.
  bool plain = !options_.percpu && !options_.lru;
  if (long err = check_update_flags(flags, plain); err != 0) return err;
  bool lock_flag = (flags & kLock) != 0;
  if (lock_flag && layout_.lock < 0) return -kEINVAL;
  auto op = static_cast<Op>(flags & ~kLock);
  return upsert(key, value, op, lock_flag, Source::one_copy, cpu);
}

long HashMap::erase(const void* key, unsigned /*cpu*/) { return remove(key, nullptr, false); }

long HashMap::user_lookup(const void* key, void* value, std::uint64_t flags) {
  if ((flags & ~kLock) != 0) return -kEINVAL;
  if (!user_can_read(spec())) return -kEPERM;
  bool lock_flag = (flags & kLock) != 0;
  if (lock_flag && layout_.lock < 0) return -kEINVAL;
  // The syscall's lookup of an LRU map does not mark the element (map_lookup_elem_sys_only).
  std::uint32_t e = find(key, hash_key(key));
  if (e == kNone) return -kENOENT;
  read_value(e, value, lock_flag);
  return 0;
}

long HashMap::user_update(const void* key, const void* value, std::uint64_t flags) {
  if (!user_can_write(spec())) return -kEPERM;
  if ((flags & kLock) != 0 && layout_.lock < 0) return -kEINVAL;
  if (!options_.percpu) return update(key, value, flags, 0);
  if (flags > kExist) return -kEINVAL;
  return upsert(key, value, static_cast<Op>(flags), false, Source::all_cpus, 0);
}

long HashMap::user_delete(const void* key) {
  if (!user_can_write(spec())) return -kEPERM;
  return remove(key, nullptr, false);
}

long HashMap::user_lookup_and_delete(const void* key, void* value, std::uint64_t flags) {
  if ((flags & ~kLock) != 0) return -kEINVAL;
  if (!user_can_write(spec()) || !user_can_read(spec())) return -kEPERM;
  bool lock_flag = (flags & kLock) != 0;
  if (lock_flag && layout_.lock < 0) return -kEINVAL;
  return remove(key, value, lock_flag);
}

long HashMap::get_next_key(const void* key, void* next_key) {
  if (!user_can_read(spec())) return -kEPERM;
  std::uint32_t b = 0;
  if (key != nullptr) {
    std::uint32_t hash = hash_key(key);
    std::uint32_t e = find(key, hash);
    if (e != kNone) {
      std::uint32_t link = load32(field(e, kNext));
      if (!is_nulls(link)) {
        copy_from_arena(next_key, key_of(link >> 1), spec().key_size);
        return 0;
      }
      b = bucket_of(hash) + 1;
    }
  }
  for (; b < n_buckets_; ++b) {
    std::uint32_t link = load32(bucket_head(b));
    if (!is_nulls(link)) {
      copy_from_arena(next_key, key_of(link >> 1), spec().key_size);
      return 0;
    }
  }
  return -kENOENT;
}

long HashMap::lru_upsert(const void* key, std::uint32_t hash, const void* value, Op op,
                         Source source, unsigned cpu) {
  // htab_lru_map_update_elem / __htab_lru_percpu_map_update_elem: take an element first
  // (which may evict, taking other buckets' locks), then lock the bucket.
  std::uint32_t fresh = kNone;
  if (!options_.percpu || op != Op::exist) {
    fresh = lru_acquire(cpu);
    if (fresh == kNone) return -kENOMEM;
    fill(fresh, key, hash, value, source, cpu);
  }
  const std::uint32_t b = bucket_of(hash);
  std::uint32_t freed = kNone;
  long result = 0;
  {
    WordLock guard(bucket_lock(b));
    std::uint32_t old = find_locked(key, hash);
    if (old != kNone && op == Op::noexist) {
      result = -kEEXIST;
    } else if (old == kNone && op == Op::exist) {
      result = -kENOENT;
    } else if (options_.percpu && old != kNone) {
      mark_referenced(old);
      write_existing(old, value, false, source, cpu);
    } else {
      link_head(b, fresh);
      if (old != kNone) {
        mark_referenced(fresh);
        unlink(b, old);
        freed = old;
      } else {
        std::atomic_ref<std::uint32_t>(count_word()).fetch_add(1, std::memory_order_relaxed);
      }
      fresh = kNone;
    }
  }
  if (fresh != kNone) lru_release(fresh, cpu);
  if (freed != kNone) lru_release(freed, cpu);
  return result;
}

long check_hash_spec(const MapSpec& spec, std::string& why) {
  bool percpu = spec.type == MapType::percpu_hash || spec.type == MapType::lru_percpu_hash;
  bool lru = spec.type == MapType::lru_hash || spec.type == MapType::lru_percpu_hash;
  if ((spec.flags & ~kHtabCreateFlags) != 0 || !access_flags_ok(spec.flags)) {
    why = "flags " + std::to_string(spec.flags) + " not allowed for a hash map";
    return kEINVAL;
  }
  if (!lru && (spec.flags & kNoCommonLru) != 0) {
    why = "BPF_F_NO_COMMON_LRU is for LRU maps only";
    return kEINVAL;
  }
  if (lru && (spec.flags & kNoPrealloc) != 0) {
    why = "LRU maps are always preallocated (BPF_F_NO_PREALLOC)";
    return kENOTSUPP;
  }
  if ((spec.flags & kNumaNode) != 0 && (percpu || (spec.flags & kNoCommonLru) != 0)) {
    why = "BPF_F_NUMA_NODE with per-CPU storage";
    return kEINVAL;
  }
  if (spec.max_entries == 0 || spec.key_size == 0 || spec.value_size == 0) {
    why = "max_entries " + std::to_string(spec.max_entries) + ", key_size " +
          std::to_string(spec.key_size) + ", value_size " + std::to_string(spec.value_size) +
          ": expected each at least 1";
    return kEINVAL;
  }
  if (std::uint64_t{spec.key_size} + spec.value_size >= kKmallocMaxSize - kHtabElemSize) {
    why = "key_size + value_size too large";
    return kE2BIG;
  }
  if (percpu && round_up8(spec.value_size) > kPcpuMinUnitSize) {
    why = "per-CPU value_size " + std::to_string(spec.value_size) + " above 32768";
    return kE2BIG;
  }
  if (spec.max_entries > (std::uint32_t{1} << 31)) {
    why = "max_entries " + std::to_string(spec.max_entries) + " above 2^31";
    return kE2BIG;
  }
  return 0;
}

Result<std::shared_ptr<Map>> create_hash(const MapSpec& spec) {
  std::string why;
  if (long err = check_hash_spec(spec, why); err != 0) return spec_error(spec, err, why);
  HashMap::Options options;
  options.percpu = spec.type == MapType::percpu_hash || spec.type == MapType::lru_percpu_hash;
  options.lru = spec.type == MapType::lru_hash || spec.type == MapType::lru_percpu_hash;
  auto map = std::make_shared<HashMap>(spec, options);
  if (!map->init()) return spec_error(spec, kENOMEM, "hash map too large");
  return std::shared_ptr<Map>(std::move(map));
}

}  // namespace xbpf::runtime::maps
