// Differential tests against the Linux kernel: the same spec and the same scripted user-space
// operations on an xbpf map and a kernel map, comparing every return code and every value.
// Skipped (with the reason) where bpf() is not available.
#include <gtest/gtest.h>

#include <sstream>

#include "maps_test_util.h"
#include "runtime/maps/ringbuf.h"

#if defined(XBPF_HAVE_KERNEL_ORACLE)
#include "platform/linux/kernel_bpf.h"

namespace xbpf::runtime::test {
namespace {

namespace kernel = platform::kernel;

#define REQUIRE_KERNEL()                                                                       \
  do {                                                                                         \
    if (!kernel::kernel_bpf_available()) {                                                     \
      GTEST_SKIP() << "kernel bpf() unavailable: " << kernel::kernel_bpf_unavailable_reason(); \
    }                                                                                          \
  } while (false)

std::string hex(const Bytes& b) {
  std::ostringstream out;
  for (std::uint8_t c : b) out << std::hex << (c >> 4) << (c & 15);
  return out.str();
}

kernel::MapSpec kernel_spec(const MapSpec& spec) {
  kernel::MapSpec k;
  k.type = static_cast<std::uint32_t>(spec.type);
  k.key_size = spec.key_size;
  k.value_size = spec.value_size;
  k.max_entries = spec.max_entries;
  k.flags = spec.flags;
  k.spin_lock_offset = spec.spin_lock_offset;
  return k;
}

// An xbpf map and a kernel map driven together.
class Pair {
 public:
  Pair(const MapSpec& spec, MapRegistry* registry = nullptr, int inner_fd = -1) {
    MapSpec s = spec;
    s.possible_cpus = kernel::possible_cpus();
    ours_ = make_map(s, registry);
    kernel::MapSpec k = kernel_spec(s);
    k.inner_map_fd = inner_fd;
    Result<kernel::KernelMap> theirs = kernel::KernelMap::create(k);
    EXPECT_TRUE(theirs.ok()) << theirs.error().to_string();
    if (theirs.ok()) theirs_ = std::move(*theirs);
    key_size_ = s.key_size;
    value_size_ = ours_ != nullptr ? ours_->user_value_size() : 0;
    ok_ = ours_ != nullptr && theirs.ok();
  }
  [[nodiscard]] bool ok() const { return ok_; }
  Map& ours() { return *ours_; }
  kernel::KernelMap& theirs() { return theirs_; }
  void set_step(std::string step) { step_ = std::move(step); }

  long update(const Bytes& key, const Bytes& value, std::uint64_t flags,
              const Bytes* kernel_value = nullptr) {
    long a = ours_->user_update(kp(key), value.data(), flags);
    long b = theirs_.update(kp(key), (kernel_value ? *kernel_value : value).data(), flags);
    EXPECT_EQ(a, b) << step_ << ": update key " << hex(key) << " value " << hex(value) << " flags "
                    << flags;
    return b;
  }
  long lookup(const Bytes& key, std::uint64_t flags = 0) {
    Bytes va(value_size_, 0xaa), vb(value_size_, 0xaa);
    long a = ours_->user_lookup(kp(key), va.data(), flags);
    long b = theirs_.lookup(kp(key), vb.data(), flags);
    EXPECT_EQ(a, b) << step_ << ": lookup key " << hex(key) << " flags " << flags;
    if (a == 0 && b == 0) {
      EXPECT_EQ(hex(va), hex(vb)) << step_ << ": lookup key " << hex(key);
    }
    return b;
  }
  long erase(const Bytes& key) {
    long a = ours_->user_delete(kp(key));
    long b = theirs_.erase(kp(key));
    EXPECT_EQ(a, b) << step_ << ": delete key " << hex(key);
    return b;
  }
  long lookup_and_delete(const Bytes& key, std::uint64_t flags = 0) {
    Bytes va(value_size_, 0xaa), vb(value_size_, 0xaa);
    long a = ours_->user_lookup_and_delete(kp(key), va.data(), flags);
    long b = theirs_.lookup_and_delete(kp(key), vb.data(), flags);
    EXPECT_EQ(a, b) << step_ << ": lookup_and_delete key " << hex(key) << " flags " << flags;
    if (a == 0 && b == 0) {
      EXPECT_EQ(hex(va), hex(vb)) << step_;
    }
    return b;
  }
  long next_key(const Bytes* key) {
    Bytes na(key_size_, 0xaa), nb(key_size_, 0xaa);
    const void* k = key == nullptr ? nullptr : kp(*key);
    long a = ours_->get_next_key(k, na.data());
    long b = theirs_.get_next_key(k, nb.data());
    EXPECT_EQ(a, b) << step_ << ": get_next_key " << (key ? hex(*key) : "null");
    if (a == 0 && b == 0) {
      EXPECT_EQ(hex(na), hex(nb)) << step_ << ": get_next_key";
    }
    return b;
  }
  // A whole get_next_key walk, in order.
  void walk() {
    std::vector<std::string> a, b;
    walk_ours(a);
    for (const auto& [key, value] : theirs_.entries()) b.push_back(hex(key) + "=" + hex(value));
    EXPECT_EQ(a, b) << step_ << ": walk";
  }
  void walk_ours(std::vector<std::string>& out) {
    Bytes key(key_size_), next(key_size_), value(value_size_);
    const void* previous = nullptr;
    while (ours_->get_next_key(previous, next.data()) == 0 && out.size() < 100000) {
      if (ours_->user_lookup(next.data(), value.data(), 0) == 0) {
        out.push_back(hex(next) + "=" + hex(value));
      }
      key = next;
      previous = key.data();
    }
  }

 private:
  const void* kp(const Bytes& key) const { return key_size_ == 0 ? nullptr : key.data(); }

  std::shared_ptr<Map> ours_;
  kernel::KernelMap theirs_;
  std::uint32_t key_size_ = 0;
  std::size_t value_size_ = 0;
  bool ok_ = false;
  std::string step_;
};

Bytes random_bytes(Rng& rng, std::size_t n) {
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng.next());
  return out;
}

Bytes key_bytes(std::uint32_t k, std::uint32_t size) {
  Bytes out(size, 0);
  for (std::uint32_t i = 0; i < size; ++i)
    out[i] = static_cast<std::uint8_t>((k * 0x9d + i * 7) >> (i % 3));
  if (size >= 4) std::memcpy(out.data(), &k, 4);
  return out;
}

constexpr std::uint64_t kFlagsToTry[] = {kAny, kNoExist, kExist, 3, kLock, kLock | kNoExist, 8};

// Random updates, lookups, deletes, lookups-and-deletes and walks over a small key range,
// so that maps fill up, keys come and go and every flag meets present and absent keys.
void random_script(Pair& pair, std::uint32_t key_size, std::uint32_t key_range, int steps,
                   std::uint64_t seed, bool lookup_and_delete = true) {
  Rng rng(seed);
  const std::size_t value_size = pair.ours().user_value_size();
  for (int i = 0; i < steps; ++i) {
    pair.set_step("step " + std::to_string(i));
    Bytes key = key_bytes(rng.below(key_range), key_size);
    switch (rng.below(10)) {
      case 0:
      case 1:
      case 2:
      case 3: pair.update(key, random_bytes(rng, value_size), kFlagsToTry[rng.below(7)]); break;
      case 4:
      case 5: pair.lookup(key, rng.below(8) == 0 ? kLock : 0); break;
      case 6: pair.erase(key); break;
      case 7:
        if (lookup_and_delete) pair.lookup_and_delete(key, rng.below(6) == 0 ? kLock : 0);
        break;
      case 8: pair.next_key(&key); break;
      default: pair.walk(); break;
    }
  }
  pair.set_step("end");
  pair.walk();
  pair.next_key(nullptr);
}

TEST(MapKernelDiff, HashWithZeroSeedWalksInTheKernelsOrder) {
  REQUIRE_KERNEL();
  for (std::uint32_t key_size : {4U, 6U, 16U}) {
    for (std::uint32_t value_size : {1U, 8U, 13U}) {
      SCOPED_TRACE("key_size " + std::to_string(key_size) + " value_size " +
                   std::to_string(value_size));
      Pair pair(spec_of(MapType::hash, key_size, value_size, 8, kZeroSeed));
      ASSERT_TRUE(pair.ok());
      random_script(pair, key_size, 14, 600, key_size * 100 + value_size);
    }
  }
}

TEST(MapKernelDiff, HashFullMapAndReplacement) {
  REQUIRE_KERNEL();
  Pair pair(spec_of(MapType::hash, 4, 4, 3, kZeroSeed));
  ASSERT_TRUE(pair.ok());
  for (std::uint32_t k = 0; k < 5; ++k) pair.update(key_bytes(k, 4), bytes_of(k), kAny);
  pair.update(key_bytes(1, 4), bytes_of(7U), kAny);  // replace in a full map
  pair.update(key_bytes(1, 4), bytes_of(8U), kExist);
  pair.update(key_bytes(9, 4), bytes_of(8U), kNoExist);
  pair.walk();
}

TEST(MapKernelDiff, PercpuHash) {
  REQUIRE_KERNEL();
  for (std::uint32_t value_size : {4U, 8U, 12U}) {
    Pair pair(spec_of(MapType::percpu_hash, 4, value_size, 6, kZeroSeed));
    ASSERT_TRUE(pair.ok());
    random_script(pair, 4, 10, 400, 7 + value_size);
  }
}

TEST(MapKernelDiff, Array) {
  REQUIRE_KERNEL();
  for (std::uint32_t value_size : {1U, 4U, 8U, 20U}) {
    Pair pair(spec_of(MapType::array, 4, value_size, 5));
    ASSERT_TRUE(pair.ok());
    random_script(pair, 4, 8, 300, 11 + value_size);
    pair.next_key(nullptr);
    Bytes big = bytes_of(std::uint32_t{1000});
    pair.next_key(&big);
  }
}

TEST(MapKernelDiff, PercpuArray) {
  REQUIRE_KERNEL();
  for (std::uint32_t value_size : {4U, 8U, 12U}) {
    Pair pair(spec_of(MapType::percpu_array, 4, value_size, 4));
    ASSERT_TRUE(pair.ok());
    random_script(pair, 4, 6, 300, 13 + value_size);
  }
}

TEST(MapKernelDiff, HashAndArrayWithSpinLock) {
  REQUIRE_KERNEL();
  for (MapType type : {MapType::hash, MapType::array}) {
    for (std::int32_t offset : {0, 8}) {
      MapSpec spec = spec_of(type, 4, 16, 4, type == MapType::hash ? kZeroSeed : 0);
      spec.spin_lock_offset = offset;
      Pair pair(spec);
      ASSERT_TRUE(pair.ok());
      random_script(pair, 4, 6, 300, 17 + static_cast<std::uint64_t>(offset));
    }
  }
}

// LRU eviction differs (Linux's per-CPU free lists make it depend on the CPU a call runs on);
// what must agree: updates of a full map succeed, a key just written reads back, flags
// against a key whose presence is known, deletes.
TEST(MapKernelDiff, LruDeterministicParts) {
  REQUIRE_KERNEL();
  for (MapType type : {MapType::lru_hash, MapType::lru_percpu_hash}) {
    Pair pair(spec_of(type, 4, 8, 16));
    ASSERT_TRUE(pair.ok());
    Rng rng(5);
    const std::size_t value_size = pair.ours().user_value_size();
    for (int i = 0; i < 500; ++i) {
      pair.set_step("step " + std::to_string(i));
      Bytes key = key_bytes(rng.below(64), 4);
      pair.update(key, random_bytes(rng, value_size), kAny);
      pair.lookup(key);
      // Linux's lru_percpu_hash takes a free element before looking the key up, and that may
      // evict the key itself: BPF_NOEXIST on a present key then succeeds. Not compared.
      if (type == MapType::lru_hash) pair.update(key, random_bytes(rng, value_size), kNoExist);
      pair.update(key, random_bytes(rng, value_size), kExist);
      pair.lookup(key);
      pair.update(key, random_bytes(rng, value_size), 3);
      pair.update(key, random_bytes(rng, value_size), kLock);
      if (rng.below(3) == 0) {
        pair.erase(key);
        pair.lookup(key);
        pair.erase(key);
        pair.update(key, random_bytes(rng, value_size), kExist);
      }
    }
    std::vector<std::string> ours;
    pair.walk_ours(ours);
    EXPECT_LE(ours.size(), 16U);
    EXPECT_LE(pair.theirs().entries().size(), 16U);
  }
}

Bytes lpm_key(std::uint32_t prefixlen, const Bytes& data) {
  Bytes key(4 + data.size());
  std::memcpy(key.data(), &prefixlen, 4);
  std::memcpy(key.data() + 4, data.data(), data.size());
  return key;
}

TEST(MapKernelDiff, LpmTrie) {
  REQUIRE_KERNEL();
  for (std::uint32_t data_size : {4U, 16U, 1U}) {
    SCOPED_TRACE("data_size " + std::to_string(data_size));
    Pair pair(spec_of(MapType::lpm_trie, 4 + data_size, 4, 12, kNoPrealloc));
    ASSERT_TRUE(pair.ok());
    Rng rng(data_size);
    const std::uint32_t max_prefixlen = data_size * 8;
    // Data from a few bases so prefixes nest and share bits.
    std::vector<Bytes> bases;
    for (int i = 0; i < 4; ++i) bases.push_back(random_bytes(rng, data_size));
    auto random_data = [&] {
      Bytes d = bases[rng.below(4)];
      if (rng.below(2) == 0)
        d[rng.below(data_size)] ^= static_cast<std::uint8_t>(1U << rng.below(8));
      return d;
    };
    for (int i = 0; i < 800; ++i) {
      pair.set_step("step " + std::to_string(i));
      std::uint32_t prefixlen = rng.below(max_prefixlen + 2);
      if (rng.below(3) == 0) prefixlen = (rng.below(max_prefixlen / 8 + 1)) * 8;
      Bytes key = lpm_key(prefixlen, random_data());
      switch (rng.below(8)) {
        case 0:
        case 1:
        case 2: pair.update(key, random_bytes(rng, 4), kFlagsToTry[rng.below(7)]); break;
        case 3: pair.erase(key); break;
        case 4: pair.lookup(lpm_key(max_prefixlen, random_data())); break;
        case 5: pair.lookup(key); break;
        case 6: pair.next_key(&key); break;
        default: pair.walk(); break;
      }
    }
    pair.walk();
  }
}

TEST(MapKernelDiff, QueueAndStack) {
  REQUIRE_KERNEL();
  for (MapType type : {MapType::queue, MapType::stack}) {
    Pair pair(spec_of(type, 0, 6, 4));
    ASSERT_TRUE(pair.ok());
    Rng rng(static_cast<std::uint64_t>(type));
    Bytes none;
    for (int i = 0; i < 400; ++i) {
      pair.set_step("step " + std::to_string(i));
      switch (rng.below(7)) {
        case 0:
        case 1:
        case 2: pair.update(none, random_bytes(rng, 6), kFlagsToTry[rng.below(7)]); break;
        case 3: pair.lookup(none, rng.below(4) == 0 ? kLock : 0); break;
        case 4: pair.lookup_and_delete(none, rng.below(4) == 0 ? kLock : 0); break;
        case 5: pair.erase(none); break;
        default: pair.next_key(nullptr); break;
      }
    }
  }
}

TEST(MapKernelDiff, RingbufRefusesMapOperations) {
  REQUIRE_KERNEL();
  Pair pair(spec_of(MapType::ringbuf, 0, 0, 4096));
  ASSERT_TRUE(pair.ok());
  Bytes none;
  pair.lookup(none);
  pair.update(none, none, 0);
  pair.erase(none);
  pair.next_key(nullptr);
  pair.lookup_and_delete(none);
}

// Inner maps exist twice, in the kernel and in xbpf; the xbpf ones are registered under the
// kernel maps' ids, so both sides read back the same ids.
TEST(MapKernelDiff, MapInMap) {
  REQUIRE_KERNEL();
  FakeRegistry registry;
  struct Inner {
    MapSpec spec;
    kernel::KernelMap kernel;
    std::uint32_t id = 0;
  };
  std::vector<Inner> inners;
  auto add_inner = [&](const MapSpec& spec) {
    Result<kernel::KernelMap> k = kernel::KernelMap::create(kernel_spec(spec));
    ASSERT_TRUE(k.ok()) << k.error().to_string();
    Inner inner{spec, std::move(*k), 0};
    inner.id = inner.kernel.id();
    registry.add(make_map(spec), inner.id);
    inners.push_back(std::move(inner));
  };
  add_inner(spec_of(MapType::array, 4, 8, 4));
  add_inner(spec_of(MapType::array, 4, 8, 4));
  add_inner(spec_of(MapType::array, 4, 8, 5));             // other max_entries
  add_inner(spec_of(MapType::array, 4, 4, 4));             // other value_size
  add_inner(spec_of(MapType::hash, 4, 8, 4));              // other type
  add_inner(spec_of(MapType::array, 4, 8, 9, kInnerMap));  // flags differ
  for (MapType outer : {MapType::array_of_maps, MapType::hash_of_maps}) {
    for (std::uint32_t template_index : {0U, 5U}) {
      SCOPED_TRACE("outer " + std::to_string(static_cast<int>(outer)) + " template " +
                   std::to_string(template_index));
      MapSpec spec = spec_of(outer, 4, 4, 3, outer == MapType::hash_of_maps ? kZeroSeed : 0);
      spec.inner = std::make_shared<MapSpec>(inners[template_index].spec);
      Pair pair(spec, &registry, inners[template_index].kernel.fd());
      ASSERT_TRUE(pair.ok());
      Rng rng(static_cast<std::uint64_t>(outer));
      for (int i = 0; i < 300; ++i) {
        pair.set_step("step " + std::to_string(i));
        Bytes key = key_bytes(rng.below(5), 4);
        switch (rng.below(6)) {
          case 0:
          case 1: {
            const Inner& inner = inners[rng.below(static_cast<std::uint32_t>(inners.size()))];
            Bytes ours = bytes_of(inner.id);
            Bytes theirs = bytes_of(static_cast<std::uint32_t>(inner.kernel.fd()));
            pair.update(key, ours, kFlagsToTry[rng.below(3)], &theirs);
            break;
          }
          case 2: pair.lookup(key); break;
          case 3: pair.erase(key); break;
          case 4: pair.next_key(&key); break;
          default: pair.walk(); break;
        }
      }
      // An id/fd that names nothing.
      Bytes bad = bytes_of(std::uint32_t{999999});
      pair.update(key_bytes(0, 4), bad, kAny);
      pair.lookup_and_delete(key_bytes(0, 4));
    }
  }
}

TEST(MapKernelDiff, ProgArray) {
  REQUIRE_KERNEL();
  FakeRegistry registry;
  std::vector<kernel::KernelProgram> programs;
  for (std::uint32_t i = 0; i < 2; ++i) {
    Result<kernel::KernelProgram> p = kernel::KernelProgram::load_trivial(i);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    registry.add(fake_program(), p->id());
    programs.push_back(std::move(*p));
  }
  Pair pair(spec_of(MapType::prog_array, 4, 4, 3), &registry);
  ASSERT_TRUE(pair.ok());
  Rng rng(3);
  for (int i = 0; i < 200; ++i) {
    pair.set_step("step " + std::to_string(i));
    Bytes key = key_bytes(rng.below(5), 4);
    switch (rng.below(5)) {
      case 0:
      case 1: {
        const kernel::KernelProgram& p = programs[rng.below(2)];
        Bytes ours = bytes_of(p.id());
        Bytes theirs = bytes_of(static_cast<std::uint32_t>(p.fd()));
        pair.update(key, ours, kFlagsToTry[rng.below(3)], &theirs);
        break;
      }
      case 2: pair.lookup(key); break;
      case 3: pair.erase(key); break;
      default: pair.next_key(&key); break;
    }
  }
}

// Devices: ifindex 1 is the loopback device of any network namespace; 0 is no device.
TEST(MapKernelDiff, Devmaps) {
  REQUIRE_KERNEL();
  for (MapType type : {MapType::devmap, MapType::devmap_hash}) {
    for (std::uint32_t value_size : {4U, 8U}) {
      SCOPED_TRACE("type " + std::to_string(static_cast<int>(type)) + " value_size " +
                   std::to_string(value_size));
      Pair pair(spec_of(type, 4, value_size, 4));
      ASSERT_TRUE(pair.ok());
      Rng rng(value_size);
      for (int i = 0; i < 300; ++i) {
        pair.set_step("step " + std::to_string(i));
        Bytes key = key_bytes(rng.below(type == MapType::devmap ? 6 : 9), 4);
        switch (rng.below(6)) {
          case 0:
          case 1: {
            Bytes value(value_size, 0);
            value[0] = static_cast<std::uint8_t>(rng.below(4) == 0 ? 0 : 1);
            pair.update(key, value, kFlagsToTry[rng.below(7)]);
            break;
          }
          case 2: pair.lookup(key); break;
          case 3: pair.erase(key); break;
          case 4: pair.next_key(&key); break;
          default: pair.walk(); break;
        }
      }
    }
  }
}

// Creation: the errno of each invalid spec, as the kernel returns it.
TEST(MapKernelDiff, InvalidSpecsFailWithTheKernelsErrno) {
  REQUIRE_KERNEL();
  struct Case {
    MapType type;
    std::uint32_t key_size, value_size, max_entries, flags;
  };
  const Case cases[] = {
      {MapType::unspec, 4, 4, 1, 0},
      {MapType::hash, 0, 4, 1, 0},
      {MapType::hash, 4, 0, 1, 0},
      {MapType::hash, 4, 4, 0, 0},
      {MapType::hash, 4, 4, 1, kNoCommonLru},
      {MapType::hash, 4, 4, 1, kMmapable},
      {MapType::hash, 4, 4, 1, kRdonly | kWronly},
      {MapType::hash, 4, 4, 1, kRdonlyProg | kWronlyProg},
      {MapType::hash, 4, 4, 1, kInnerMap},
      {MapType::hash, 4, 4, 1, 1U << 20},
      {MapType::hash, 4, 4, 1, kNoPrealloc},
      {MapType::hash, 4, 4, 1, kZeroSeed | kRdonly},
      {MapType::percpu_hash, 4, 40000, 1, 0},
      {MapType::percpu_hash, 4, 4, 1, kNumaNode},
      {MapType::lru_hash, 4, 4, 1, kNoPrealloc},
      {MapType::lru_hash, 4, 4, 1, kNoCommonLru},
      {MapType::lru_percpu_hash, 4, 4, 1, kNoCommonLru | kNumaNode},
      {MapType::lru_hash, 0, 4, 1, 0},
      {MapType::array, 8, 4, 1, 0},
      {MapType::array, 4, 0, 1, 0},
      {MapType::array, 4, 4, 0, 0},
      {MapType::array, 4, 4, 1, kNoPrealloc},
      {MapType::array, 4, 4, 1, kPreserveElems},
      {MapType::array, 4, 4, 1, kZeroSeed},
      {MapType::percpu_array, 4, 4, 1, kMmapable},
      {MapType::percpu_array, 4, 4, 1, kInnerMap},
      {MapType::percpu_array, 4, 32769, 1, 0},
      {MapType::prog_array, 4, 8, 1, 0},
      {MapType::prog_array, 4, 4, 1, kRdonlyProg},
      {MapType::prog_array, 4, 4, 0, 0},
      {MapType::perf_event_array, 4, 8, 1, 0},
      {MapType::perf_event_array, 4, 4, 1, kInnerMap},
      {MapType::lpm_trie, 8, 4, 1, 0},
      {MapType::lpm_trie, 4, 4, 1, kNoPrealloc},
      {MapType::lpm_trie, 261, 4, 1, kNoPrealloc},
      {MapType::lpm_trie, 8, 0, 1, kNoPrealloc},
      {MapType::lpm_trie, 8, 4, 0, kNoPrealloc},
      {MapType::lpm_trie, 8, 4, 1, kNoPrealloc | kZeroSeed},
      {MapType::queue, 4, 4, 1, 0},
      {MapType::queue, 0, 0, 1, 0},
      {MapType::stack, 0, 4, 0, 0},
      {MapType::stack, 0, 4, 1, kNoPrealloc},
      {MapType::ringbuf, 0, 0, 4095, 0},
      {MapType::ringbuf, 0, 0, 12288, 0},
      {MapType::ringbuf, 4, 0, 4096, 0},
      {MapType::ringbuf, 0, 4, 4096, 0},
      {MapType::ringbuf, 0, 0, 0, 0},
      {MapType::ringbuf, 0, 0, 4096, kNoPrealloc},
      {MapType::devmap, 8, 4, 1, 0},
      {MapType::devmap, 4, 12, 1, 0},
      {MapType::devmap, 4, 4, 0, 0},
      {MapType::devmap, 4, 4, 1, kNoPrealloc},
      {MapType::devmap_hash, 4, 6, 1, 0},
      {MapType::devmap_hash, 4, 4, 1, kRdonlyProg},
      {MapType::hash, 4, 4, 0x80000001U, 0},
      {static_cast<MapType>(200), 4, 4, 1, 0},
  };
  int index = 0;
  for (const Case& c : cases) {
    MapSpec spec = spec_of(c.type, c.key_size, c.value_size, c.max_entries, c.flags);
    spec.possible_cpus = kernel::possible_cpus();
    Result<kernel::KernelMap> theirs = kernel::KernelMap::create(kernel_spec(spec));
    long expected = theirs.ok() ? 0 : theirs.error().linux_errno;
    Result<std::shared_ptr<Map>> ours = Map::create(spec);
    long actual = ours.ok() ? 0 : ours.error().linux_errno;
    EXPECT_EQ(actual, expected) << "case " << index << ": type " << static_cast<int>(c.type)
                                << " key " << c.key_size << " value " << c.value_size << " max "
                                << c.max_entries << " flags " << c.flags
                                << (ours.ok() ? "" : " (" + ours.error().message + ")");
    ++index;
  }
}

// A bpf_spin_lock (described by BTF for the kernel) in each type's value.
TEST(MapKernelDiff, SpinLockSpecs) {
  REQUIRE_KERNEL();
  struct Case {
    MapType type;
    std::uint32_t key_size, value_size, flags;
    std::int32_t offset;
  };
  const Case cases[] = {
      {MapType::hash, 4, 8, 0, 0},
      {MapType::hash, 4, 8, 0, 4},
      {MapType::array, 4, 12, 0, 8},
      {MapType::lru_hash, 4, 8, 0, 0},
      {MapType::percpu_hash, 4, 8, 0, 0},
      {MapType::percpu_array, 4, 8, 0, 0},
      {MapType::lru_percpu_hash, 4, 8, 0, 0},
      {MapType::lpm_trie, 8, 8, kNoPrealloc, 0},
  };
  for (const Case& c : cases) {
    MapSpec spec = spec_of(c.type, c.key_size, c.value_size, 4, c.flags);
    spec.spin_lock_offset = c.offset;
    spec.possible_cpus = kernel::possible_cpus();
    Result<kernel::KernelMap> theirs = kernel::KernelMap::create(kernel_spec(spec));
    long expected = theirs.ok() ? 0 : theirs.error().linux_errno;
    EXPECT_EQ(create_errno(spec), expected)
        << "type " << static_cast<int>(c.type) << " lock at " << c.offset;
  }
}

TEST(MapKernelDiff, MapInMapSpecs) {
  REQUIRE_KERNEL();
  // The inner template is itself a map of maps: EINVAL.
  Result<kernel::KernelMap> inner =
      kernel::KernelMap::create(kernel_spec(spec_of(MapType::array, 4, 4, 1)));
  ASSERT_TRUE(inner.ok());
  kernel::MapSpec k = kernel_spec(spec_of(MapType::array_of_maps, 4, 4, 1));
  k.inner_map_fd = inner->fd();
  Result<kernel::KernelMap> outer = kernel::KernelMap::create(k);
  ASSERT_TRUE(outer.ok());
  k.inner_map_fd = outer->fd();
  Result<kernel::KernelMap> nested = kernel::KernelMap::create(k);
  ASSERT_FALSE(nested.ok());
  MapSpec spec = spec_of(MapType::array_of_maps, 4, 4, 1);
  spec.inner = std::make_shared<MapSpec>(spec_of(MapType::array_of_maps, 4, 4, 1));
  EXPECT_EQ(create_errno(spec), nested.error().linux_errno);
  // value_size other than 4.
  k = kernel_spec(spec_of(MapType::hash_of_maps, 4, 8, 1));
  k.inner_map_fd = inner->fd();
  Result<kernel::KernelMap> wide = kernel::KernelMap::create(k);
  ASSERT_FALSE(wide.ok());
  spec = spec_of(MapType::hash_of_maps, 4, 8, 1);
  spec.inner = std::make_shared<MapSpec>(spec_of(MapType::array, 4, 4, 1));
  EXPECT_EQ(create_errno(spec), wide.error().linux_errno);
}

// Ring buffers, written by kernel programs (raw instructions, test-run) and by xbpf's
// program-side API: the same sequence of outputs, reservations, submits, discards and
// consumption gives the same return codes, positions and data bytes.
std::uint64_t insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off,
                   std::int32_t imm) {
  return code | (std::uint64_t{static_cast<std::uint8_t>(dst | (src << 4))} << 8) |
         (std::uint64_t{static_cast<std::uint16_t>(off)} << 16) |
         (std::uint64_t{static_cast<std::uint32_t>(imm)} << 32);
}

std::vector<std::uint64_t> load_map(int fd) {
  return {insn(0x18, 1, 1, 0, fd), insn(0, 0, 0, 0, 0)};  // r1 = map (BPF_PSEUDO_MAP_FD)
}

// bpf_ringbuf_output(map, stack buffer of `size` bytes, size, flags); the buffer's 8-byte
// words hold 0x01010101 * (k + 1), sign-extended, from the top of the stack down.
std::vector<std::uint64_t> output_program(int fd, std::uint32_t size, std::uint32_t flags,
                                          Bytes& buffer) {
  const std::uint32_t rounded = (size + 7) & ~7U;
  buffer.assign(rounded, 0);
  std::vector<std::uint64_t> code;
  for (std::uint32_t k = 0; k < rounded / 8; ++k) {
    auto imm = static_cast<std::int32_t>(0x01010101U * (k + 1));
    code.push_back(insn(0x7a, 10, 0, static_cast<std::int16_t>(-8 * static_cast<int>(k + 1)), imm));
    auto word = static_cast<std::uint64_t>(static_cast<std::int64_t>(imm));
    std::memcpy(buffer.data() + rounded - 8 * (k + 1), &word, 8);
  }
  for (std::uint64_t i : load_map(fd)) code.push_back(i);
  code.push_back(insn(0xbf, 2, 10, 0, 0));
  code.push_back(insn(0x07, 2, 0, 0, -static_cast<std::int32_t>(rounded)));
  code.push_back(insn(0xb7, 3, 0, 0, static_cast<std::int32_t>(size)));
  code.push_back(insn(0xb7, 4, 0, 0, static_cast<std::int32_t>(flags)));
  code.push_back(insn(0x85, 0, 0, 0, 130));  // bpf_ringbuf_output
  code.push_back(insn(0x95, 0, 0, 0, 0));
  return code;
}

// sample = bpf_ringbuf_reserve(map, size, 0); if (!sample) return 1; sample[0] = 0x5a;
// submit or discard; return 0.
std::vector<std::uint64_t> reserve_program(int fd, std::uint32_t size, bool discard) {
  std::vector<std::uint64_t> code = load_map(fd);
  code.push_back(insn(0xb7, 2, 0, 0, static_cast<std::int32_t>(size)));
  code.push_back(insn(0xb7, 3, 0, 0, 0));
  code.push_back(insn(0x85, 0, 0, 0, 131));  // bpf_ringbuf_reserve
  code.push_back(insn(0x15, 0, 0, 6, 0));    // if r0 == 0 goto fail
  code.push_back(insn(0x72, 0, 0, 0, 0x5a));
  code.push_back(insn(0xbf, 1, 0, 0, 0));
  code.push_back(insn(0xb7, 2, 0, 0, 0));
  code.push_back(insn(0x85, 0, 0, 0, discard ? 133 : 132));
  code.push_back(insn(0xb7, 0, 0, 0, 0));
  code.push_back(insn(0x95, 0, 0, 0, 0));
  code.push_back(insn(0xb7, 0, 0, 0, 1));  // fail:
  code.push_back(insn(0x95, 0, 0, 0, 0));
  return code;
}

std::vector<std::uint64_t> query_program(int fd, std::uint32_t flag) {
  std::vector<std::uint64_t> code = load_map(fd);
  code.push_back(insn(0xb7, 2, 0, 0, static_cast<std::int32_t>(flag)));
  code.push_back(insn(0x85, 0, 0, 0, 134));  // bpf_ringbuf_query
  code.push_back(insn(0x95, 0, 0, 0, 0));
  return code;
}

std::uint32_t run_kernel(const std::vector<std::uint64_t>& code) {
  constexpr std::uint32_t kSocketFilter = 1;
  Result<kernel::KernelProgram> program = kernel::KernelProgram::load(kSocketFilter, code);
  EXPECT_TRUE(program.ok()) << program.error().to_string();
  if (!program.ok()) return 0xdeadbeef;
  kernel::TestRunOptions options;
  options.data_in.assign(64, 0);
  kernel::TestRunResult run = kernel::test_run(program->fd(), options);
  EXPECT_EQ(run.error, 0);
  return run.retval;
}

TEST(MapKernelDiff, RingbufRecordsMatchTheKernels) {
  REQUIRE_KERNEL();
  constexpr std::uint32_t kSize = 4096;
  auto ours = std::dynamic_pointer_cast<RingBuf>(make_map(spec_of(MapType::ringbuf, 0, 0, kSize)));
  ASSERT_NE(ours, nullptr);
  Result<kernel::KernelMap> map =
      kernel::KernelMap::create(kernel_spec(spec_of(MapType::ringbuf, 0, 0, kSize)));
  ASSERT_TRUE(map.ok()) << map.error().to_string();
  Result<kernel::KernelRing> theirs = kernel::KernelRing::map(map->fd(), kSize);
  ASSERT_TRUE(theirs.ok()) << theirs.error().to_string();
  const int fd = map->fd();

  auto compare = [&](const std::string& step) {
    EXPECT_EQ(ours->producer_pos(), theirs->producer_pos()) << step;
    EXPECT_EQ(ours->consumer_pos(), theirs->consumer_pos()) << step;
    const auto* a = reinterpret_cast<const std::uint8_t*>(ours->data_area());
    const std::uint8_t* b = theirs->data();
    std::size_t first = 0;
    while (first < kSize && a[first] == b[first]) ++first;
    EXPECT_EQ(first, kSize) << step << ": data differ from byte " << first;
    for (std::uint32_t flag = 0; flag < 4; ++flag) {
      EXPECT_EQ(static_cast<std::uint32_t>(ours->query(flag)), run_kernel(query_program(fd, flag)))
          << step << ": query " << flag;
    }
  };
  auto output = [&](std::uint32_t size, std::uint32_t flags) {
    Bytes buffer;
    std::vector<std::uint64_t> code = output_program(fd, size, flags, buffer);
    auto expected = static_cast<std::int32_t>(run_kernel(code));
    EXPECT_EQ(ours->output(buffer.data(), size, flags), expected) << "output " << size;
    compare("output " + std::to_string(size));
  };
  auto reserve = [&](std::uint32_t size, bool discard) {
    std::uint32_t expected = run_kernel(reserve_program(fd, size, discard));
    void* sample = ours->reserve(size, 0);
    EXPECT_EQ(sample == nullptr ? 1U : 0U, expected) << "reserve " << size;
    if (sample != nullptr) {
      *static_cast<std::uint8_t*>(sample) = 0x5a;
      if (discard) {
        ours->discard(sample, 0);
      } else {
        ours->submit(sample, 0);
      }
    }
    compare("reserve " + std::to_string(size));
  };
  // The kernel's records as a consumer sees them, from its bytes.
  auto consume = [&] {
    std::vector<std::string> kernel_records;
    std::uint64_t pos = theirs->consumer_pos();
    while (pos < theirs->producer_pos()) {
      const std::uint8_t* hdr = theirs->data() + (pos & (kSize - 1));
      std::uint32_t len = u32_at(hdr);
      ASSERT_EQ(len & kRingbufBusyBit, 0U);
      if ((len & kRingbufDiscardBit) == 0) {
        kernel_records.push_back(hex(Bytes(hdr + 8, hdr + 8 + len)));
      }
      pos += (((len & ~kRingbufDiscardBit) + 8 + 7) & ~7U);
    }
    theirs->set_consumer_pos(pos);
    std::vector<std::string> our_records;
    ours->consume([&](const void* sample, std::uint32_t size) {
      const auto* p = static_cast<const std::uint8_t*>(sample);
      our_records.push_back(hex(Bytes(p, p + size)));
      return 0;
    });
    EXPECT_EQ(our_records, kernel_records);
    compare("consume");
  };

  output(5, 0);
  output(16, kRbNoWakeup);
  reserve(24, false);
  reserve(9, true);
  output(3, 7);  // bad flags
  consume();
  // Outputs copy from the program's stack (512 bytes); larger records are reserved.
  output(500, 0);
  reserve(1000, false);
  reserve(1000, true);
  reserve(1000, false);
  reserve(1000, false);  // no room
  output(504, 0);        // no room either
  consume();
  reserve(4080, false);
  consume();
  for (int i = 0; i < 8; ++i) {  // around the end of the ring, several times
    reserve(800 + 8 * static_cast<std::uint32_t>(i), false);
    output(300 - 3 * static_cast<std::uint32_t>(i), 0);
    reserve(512 - static_cast<std::uint32_t>(i), i % 2 == 0);
    output(504, 0);
    consume();
  }
  reserve(4080, false);
  reserve(1, false);
  consume();
  reserve(4088, false);  // a whole ring never fits
}

#if defined(XBPF_BINARY_DIR)
// The oracle's object side, for later comparisons of whole programs: libbpf loads a compiled
// object, the kernel test-runs a program, the maps show what it did.
TEST(MapKernelOracle, LoadsAnObjectAndTestRunsAProgram) {
  REQUIRE_KERNEL();
  const std::string path = std::string(XBPF_BINARY_DIR) + "/tests/programs/flow_maps.v3.o";
  Result<kernel::KernelObject> object = kernel::KernelObject::open_and_load(path);
  ASSERT_TRUE(object.ok()) << object.error().to_string();
  ASSERT_TRUE(object->program_fd("flow_account").has_value());
  EXPECT_FALSE(object->program_fd("no_such_program").has_value());
  // A socket filter's legacy packet loads count from the network header, 14 bytes in: the
  // program's "Ethernet header" is the first 14 bytes after the real one.
  Bytes packet(14 + 48, 0);
  packet[12] = 0x08;
  Bytes view = {
      0,    1, 2,  3,  4, 5, 6,    7,    8,  9,  10, 11, 0x08, 0x00,  // its Ethernet header
      0x45, 0, 0,  28, 0, 0, 0,    0,    64, 17, 0,  0,  10,   0,
      0,    1, 10, 0,  0, 2, 0x03, 0xe8, 0,  53, 0,  8,  0,    0};
  std::copy(view.begin(), view.end(), packet.begin() + 14);
  kernel::TestRunOptions options;
  options.data_in = packet;
  options.data_out_size = 128;
  options.repeat = 3;
  kernel::TestRunResult run = object->test_run("flow_account", options);
  ASSERT_EQ(run.error, 0);
  EXPECT_EQ(run.retval, 0xffffffffU);
  EXPECT_EQ(run.data_out.size(), options.data_in.size());
  std::optional<kernel::KernelMap> recent = object->map("recent_sources");
  ASSERT_TRUE(recent.has_value());
  auto entries = recent->entries();
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].first, (Bytes{1, 0, 0, 10}));  // load_word gives host order
  EXPECT_FALSE(object->map("no_such_map").has_value());
}
#endif

}  // namespace
}  // namespace xbpf::runtime::test

#endif  // XBPF_HAVE_KERNEL_ORACLE
