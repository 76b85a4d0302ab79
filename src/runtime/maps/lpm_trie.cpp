// BPF_MAP_TYPE_LPM_TRIE (kernel/bpf/lpm_trie.c): the same binary trie with intermediate nodes
// as Linux, so lookups, deletes and the post-order get_next_key walk give the same answers.
// Keys are struct bpf_lpm_trie_key_u8: a host-order u32 prefix length, then the data bytes,
// most significant bit first.
//
// Writers hold one lock and publish each change with a single link store, as Linux does
// under RCU. Readers take no lock. Freed nodes wait in a FIFO before reuse; a reader that may
// have read a node reused during its walk (the reuse counter moved) walks again.
#include <bit>
#include <vector>

#include "runtime/maps/map_internal.h"

namespace xbpf::runtime::maps {

namespace {

constexpr std::uint32_t kLpmCreateFlags = kNoPrealloc | kNumaNode | kAccessMask;
constexpr std::uint32_t kKeySizeMin = 5;    // LPM_KEY_SIZE_MIN
constexpr std::uint32_t kKeySizeMax = 260;  // LPM_KEY_SIZE_MAX
constexpr std::uint32_t kIntermediate = 1;  // LPM_TREE_NODE_FLAG_IM

// Header words.
constexpr std::size_t kLock = 0, kGeneration = 4, kRoot = 8, kEntries = 12, kFresh = 16,
                      kFreeHead = 20, kFreeTail = 24, kNodes = 64;
// Node fields.
constexpr std::size_t kChild0 = 0, kChild1 = 4, kPrefixLen = 8, kFlags = 12, kFreeNext = 16,
                      kData = 24;

bool extract_bit(const std::uint8_t* data, std::uint32_t index) {
  return (data[index / 8] & (1U << (7 - index % 8))) != 0;
}

class LpmTrie final : public Map {
 public:
  explicit LpmTrie(const MapSpec& spec)
      : Map(spec),
        data_size_(spec.key_size - 4),
        max_prefixlen_(8 * data_size_),
        value_offset_(kData + round_up8(data_size_)),
        node_size_(value_offset_ + round_up8(spec.value_size)),
        capacity_(2 * std::uint64_t{spec.max_entries} + 2) {}

  bool init() {
    std::uint64_t bytes = kNodes + capacity_ * node_size_;
    return bytes <= kMaxArenaBytes && Arena::allocate(arena_, static_cast<std::size_t>(bytes));
  }

  void* lookup(const void* key, unsigned /*cpu*/) override {
    Key k(key);
    if (k.prefixlen > max_prefixlen_) return nullptr;
    for (;;) {
      std::uint32_t gen = load32(word(kGeneration));
      std::uint32_t found = find_longest(k);
      if (load32(word(kGeneration)) == gen) {
        return found == 0 ? nullptr : value_of(found - 1);
      }
    }
  }

  long update(const void* key, const void* value, std::uint64_t flags, unsigned /*cpu*/) override {
    if (flags > kExist) return -kEINVAL;
    Key k(key);
    if (k.prefixlen > max_prefixlen_) return -kEINVAL;
    WordLock guard(word(kLock));
    return insert(k, value, flags);
  }

  long erase(const void* key, unsigned /*cpu*/) override {
    Key k(key);
    if (k.prefixlen > max_prefixlen_) return -kEINVAL;
    WordLock guard(word(kLock));
    return remove(k);
  }

  long user_lookup(const void* key, void* value, std::uint64_t flags) override {
    if ((flags & ~kLock) != 0) return -kEINVAL;
    if (!user_can_read(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    Key k(key);
    if (k.prefixlen > max_prefixlen_) return -kENOENT;
    for (;;) {
      std::uint32_t gen = load32(word(kGeneration));
      std::uint32_t found = find_longest(k);
      if (found != 0) {
        copy_from_arena(value, value_of(found - 1), spec().value_size, std::memory_order_acquire);
      }
      if (load32(word(kGeneration)) == gen) {
        return found == 0 ? -kENOENT : 0;
      }
    }
  }

  long user_update(const void* key, const void* value, std::uint64_t flags) override {
    if (!user_can_write(spec())) return -kEPERM;
    if ((flags & kLock) != 0) return -kEINVAL;
    return update(key, value, flags, 0);
  }

  long user_delete(const void* key) override {
    if (!user_can_write(spec())) return -kEPERM;
    return erase(key, 0);
  }

  long get_next_key(const void* key, void* next_key) override;

  [[nodiscard]] std::span<std::byte> storage() const override {
    return {arena_.data(), arena_.size()};
  }

 private:
  struct Key {
    explicit Key(const void* key) {
      std::memcpy(&prefixlen, key, 4);
      data = static_cast<const std::uint8_t*>(key) + 4;
    }
    std::uint32_t prefixlen = 0;
    const std::uint8_t* data = nullptr;
  };

  std::uint32_t& word(std::size_t offset) const { return arena_.word(offset); }
  std::byte* node(std::uint32_t n) const { return arena_.at(kNodes + std::size_t{n} * node_size_); }
  std::uint32_t& field(std::uint32_t n, std::size_t offset) const {
    return *reinterpret_cast<std::uint32_t*>(node(n) + offset);
  }
  std::uint32_t& child(std::uint32_t n, bool bit) const {
    return field(n, bit ? kChild1 : kChild0);
  }
  std::uint32_t prefixlen(std::uint32_t n) const { return load32(field(n, kPrefixLen)); }
  bool intermediate(std::uint32_t n) const {
    return (load32(field(n, kFlags)) & kIntermediate) != 0;
  }
  std::byte* data_of(std::uint32_t n) const { return node(n) + kData; }
  std::byte* value_of(std::uint32_t n) const { return node(n) + value_offset_; }

  // longest_prefix_match: the leading bits the node and the key share, at most both lengths.
  std::uint32_t match(std::uint32_t n, const Key& key) const {
    std::uint32_t limit = std::min(prefixlen(n), key.prefixlen);
    std::uint32_t length = 0;
    const std::byte* data = data_of(n);
    for (std::uint32_t i = 0; i < data_size_; ++i) {
      auto x = static_cast<std::uint8_t>(
          load_arena<std::uint8_t>(data + i, std::memory_order_acquire) ^ key.data[i]);
      std::uint32_t same = x == 0 ? 8 : static_cast<std::uint32_t>(std::countl_zero(x));
      length += same;
      if (length >= limit) return limit;
      if (same < 8) break;
    }
    return length;
  }

  // trie_lookup_elem; node index + 1 or 0. The walk is bounded: a reader that raced with node
  // reuse may see a cycle and is made to walk again by the generation check.
  std::uint32_t find_longest(const Key& key) const {
    std::uint32_t found = 0;
    std::uint32_t link = load32(word(kRoot));
    for (std::uint32_t steps = 0; link != 0 && steps <= max_prefixlen_ + 1; ++steps) {
      std::uint32_t n = link - 1;
      std::uint32_t matchlen = match(n, key);
      if (matchlen == max_prefixlen_) return link;
      std::uint32_t plen = prefixlen(n);
      if (matchlen < plen) break;
      if (!intermediate(n)) found = link;
      if (plen >= max_prefixlen_) break;
      link = load32(child(n, extract_bit(key.data, plen)));
    }
    return found;
  }

  // Nodes: never-used ones first, then the oldest freed.
  std::uint32_t allocate() {
    std::uint32_t n;
    if (word(kFresh) < capacity_) {
      n = word(kFresh)++;
    } else {
      std::uint32_t head = word(kFreeHead);
      if (head == 0) return UINT32_MAX;
      n = head - 1;
      word(kFreeHead) = field(n, kFreeNext);
      if (word(kFreeHead) == 0) word(kFreeTail) = 0;
      // Readers must notice that a node they may be reading changes: every store to the node
      // from here is a release store, and every read of a node an acquire load, so a reader
      // that sees one of them sees the generation moved.
      std::atomic_ref<std::uint32_t>(word(kGeneration)).fetch_add(1, std::memory_order_relaxed);
    }
    store32(child(n, false), 0);
    store32(child(n, true), 0);
    store32(field(n, kFlags), 0);
    return n;
  }

  void release(std::uint32_t n) {
    field(n, kFreeNext) = 0;
    if (word(kFreeTail) == 0) {
      word(kFreeHead) = n + 1;
    } else {
      field(word(kFreeTail) - 1, kFreeNext) = n + 1;
    }
    word(kFreeTail) = n + 1;
  }

  long check_add(std::uint64_t flags) {
    if (flags == kExist) return -kENOENT;
    if (word(kEntries) == spec().max_entries) return -kENOSPC;
    ++word(kEntries);
    return 0;
  }

  long insert(const Key& key, const void* value, std::uint64_t flags);
  long remove(const Key& key);

  Arena arena_;
  std::uint32_t data_size_;
  std::uint32_t max_prefixlen_;
  std::size_t value_offset_;
  std::size_t node_size_;
  std::uint64_t capacity_;
};

long LpmTrie::insert(const Key& key, const void* value, std::uint64_t flags) {
  std::uint32_t fresh = allocate();
  if (fresh == UINT32_MAX) return -kENOMEM;
  store32(field(fresh, kPrefixLen), key.prefixlen);
  copy_to_arena(data_of(fresh), key.data, data_size_, std::memory_order_release);
  copy_to_arena(value_of(fresh), value, spec().value_size, std::memory_order_release);

  std::uint32_t* slot = &word(kRoot);
  std::uint32_t n = 0;
  std::uint32_t matchlen = 0;
  bool at_node = false;
  for (std::uint32_t link = *slot; link != 0; link = *slot) {
    n = link - 1;
    at_node = true;
    matchlen = match(n, key);
    if (prefixlen(n) != matchlen || prefixlen(n) == key.prefixlen) break;
    slot = &child(n, extract_bit(key.data, prefixlen(n)));
    at_node = false;
  }
  if (!at_node) {
    if (long err = check_add(flags); err != 0) {
      release(fresh);
      return err;
    }
    store32(*slot, fresh + 1);
    return 0;
  }
  if (prefixlen(n) == matchlen) {
    // The same prefix: replace the node (an intermediate one becomes a real entry).
    if (!intermediate(n)) {
      if (flags == kNoExist) {
        release(fresh);
        return -kEEXIST;
      }
    } else if (long err = check_add(flags); err != 0) {
      release(fresh);
      return err;
    }
    store32(child(fresh, false), child(n, false));
    store32(child(fresh, true), child(n, true));
    store32(*slot, fresh + 1);
    release(n);
    return 0;
  }
  if (long err = check_add(flags); err != 0) {
    release(fresh);
    return err;
  }
  if (matchlen == key.prefixlen) {
    // The new prefix covers the node: insert it above.
    std::uint8_t bytes[kKeySizeMax];
    copy_from_arena(bytes, data_of(n), data_size_);
    store32(child(fresh, extract_bit(bytes, matchlen)), n + 1);
    store32(*slot, fresh + 1);
    return 0;
  }
  std::uint32_t im = allocate();
  if (im == UINT32_MAX) {
    --word(kEntries);
    release(fresh);
    return -kENOMEM;
  }
  store32(field(im, kPrefixLen), matchlen);
  store32(field(im, kFlags), kIntermediate);
  std::uint8_t bytes[kKeySizeMax];
  copy_from_arena(bytes, data_of(n), data_size_);
  copy_to_arena(data_of(im), bytes, data_size_, std::memory_order_release);
  bool bit = extract_bit(key.data, matchlen);
  store32(child(im, !bit), n + 1);
  store32(child(im, bit), fresh + 1);
  store32(*slot, im + 1);
  return 0;
}

long LpmTrie::remove(const Key& key) {
  std::uint32_t* trim = &word(kRoot);
  std::uint32_t* trim2 = trim;
  std::uint32_t parent = UINT32_MAX;
  std::uint32_t n = UINT32_MAX;
  std::uint32_t matchlen = 0;
  for (std::uint32_t link = *trim; link != 0; link = *trim) {
    n = link - 1;
    matchlen = match(n, key);
    if (prefixlen(n) != matchlen || prefixlen(n) == key.prefixlen) break;
    parent = n;
    trim2 = trim;
    trim = &child(n, extract_bit(key.data, prefixlen(n)));
    n = UINT32_MAX;
  }
  if (n == UINT32_MAX || prefixlen(n) != key.prefixlen || prefixlen(n) != matchlen ||
      intermediate(n)) {
    return -kENOENT;
  }
  --word(kEntries);
  std::uint32_t c0 = child(n, false);
  std::uint32_t c1 = child(n, true);
  if (c0 != 0 && c1 != 0) {
    // Two children: the node stays as an intermediate one.
    store32(field(n, kFlags), load32(field(n, kFlags)) | kIntermediate);
    return 0;
  }
  if (parent != UINT32_MAX && intermediate(parent) && c0 == 0 && c1 == 0) {
    // A leaf under an intermediate node: promote its sibling into the parent's slot.
    std::uint32_t sibling =
        child(parent, false) == n + 1 ? child(parent, true) : child(parent, false);
    store32(*trim2, sibling);
    release(parent);
    release(n);
    return 0;
  }
  store32(*trim, c0 != 0 ? c0 : c1);
  release(n);
  return 0;
}

long LpmTrie::get_next_key(const void* key, void* next_key) {
  if (!user_can_read(spec())) return -kEPERM;
  // User space only: a consistent walk under the writers' lock.
  WordLock guard(word(kLock));
  std::uint32_t search_root = word(kRoot);
  if (search_root == 0) return -kENOENT;
  std::uint32_t next = 0;
  bool leftmost = true;
  if (key != nullptr) {
    Key k(key);
    if (k.prefixlen <= max_prefixlen_) {
      std::vector<std::uint32_t> stack;
      std::uint32_t n = UINT32_MAX;
      std::uint32_t matchlen = 0;
      for (std::uint32_t link = search_root; link != 0;) {
        n = link - 1;
        stack.push_back(n);
        matchlen = match(n, k);
        if (prefixlen(n) != matchlen || prefixlen(n) == k.prefixlen) break;
        link = child(n, extract_bit(k.data, prefixlen(n)));
        n = UINT32_MAX;
      }
      if (n != UINT32_MAX && prefixlen(n) == matchlen && !intermediate(n)) {
        // Found: the next node in post-order.
        leftmost = false;
        n = stack.back();
        while (stack.size() > 1) {
          std::uint32_t parent = stack[stack.size() - 2];
          if (child(parent, false) == n + 1 && child(parent, true) != 0) {
            search_root = child(parent, true);
            leftmost = true;
            break;
          }
          if (!intermediate(parent)) {
            next = parent + 1;
            break;
          }
          n = parent;
          stack.pop_back();
        }
        if (!leftmost && next == 0) return -kENOENT;
      }
    }
  }
  if (leftmost) {
    // The leftmost real node under search_root, post-order first.
    for (std::uint32_t link = search_root; link != 0;) {
      std::uint32_t n = link - 1;
      if (intermediate(n)) {
        link = child(n, false);
      } else {
        next = link;
        link = child(n, false);
        if (link == 0) link = child(n, true);
      }
    }
  }
  std::uint32_t n = next - 1;
  std::uint32_t plen = prefixlen(n);
  std::memcpy(next_key, &plen, 4);
  copy_from_arena(static_cast<std::byte*>(next_key) + 4, data_of(n), data_size_);
  return 0;
}

}  // namespace

Result<std::shared_ptr<Map>> create_lpm_trie(const MapSpec& spec) {
  if (spec.max_entries == 0 || (spec.flags & kNoPrealloc) == 0 ||
      (spec.flags & ~kLpmCreateFlags) != 0 || !access_flags_ok(spec.flags) ||
      spec.key_size < kKeySizeMin || spec.key_size > kKeySizeMax || spec.value_size == 0 ||
      spec.value_size > (std::uint32_t{1} << 22) - 256 - 64) {
    return spec_error(spec, kEINVAL,
                      "lpm trie: expected BPF_F_NO_PREALLOC, key_size 5..260, value_size and "
                      "max_entries at least 1 (found flags " +
                          std::to_string(spec.flags) + ", key_size " +
                          std::to_string(spec.key_size) + ", value_size " +
                          std::to_string(spec.value_size) + ", max_entries " +
                          std::to_string(spec.max_entries) + ")");
  }
  auto map = std::make_shared<LpmTrie>(spec);
  if (!map->init()) return spec_error(spec, kENOMEM, "lpm trie too large");
  return std::shared_ptr<Map>(std::move(map));
}

}  // namespace xbpf::runtime::maps
