// The low-level map API: creation, element operations and their errno values, batches,
// freeze, descriptors that are real (close, dup, fork), ids and info.
#include <cstring>
#include <set>

#include "libbpf_test_util.h"

namespace xbpf::libbpf_test {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

TEST(LibbpfMapFd, HashMapElementOperationsFollowLinux) {
  Fd map(bpf_map_create(BPF_MAP_TYPE_HASH, "flows", 4, 8, 2, nullptr));
  ASSERT_GE(map.get(), 0) << "errno " << errno;
  __u32 key = 7;
  __u64 value = 42;
  __u64 out = 0;
  EXPECT_EQ(bpf_map_lookup_elem(map.get(), &key, &out), -ENOENT);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(bpf_map_update_elem(map.get(), &key, &value, BPF_EXIST), -ENOENT);
  EXPECT_EQ(bpf_map_update_elem(map.get(), &key, &value, BPF_NOEXIST), 0);
  EXPECT_EQ(bpf_map_update_elem(map.get(), &key, &value, BPF_NOEXIST), -EEXIST);
  EXPECT_EQ(bpf_map_lookup_elem(map.get(), &key, &out), 0);
  EXPECT_EQ(out, 42U);
  __u32 other = 8;
  EXPECT_EQ(bpf_map_update_elem(map.get(), &other, &value, BPF_ANY), 0);
  __u32 third = 9;
  EXPECT_EQ(bpf_map_update_elem(map.get(), &third, &value, BPF_ANY), -E2BIG);  // full
  EXPECT_EQ(bpf_map_update_elem(map.get(), &key, &value, 42), -EINVAL);
  // Walking the keys: the first from NULL, -ENOENT after the last.
  std::set<__u32> keys;
  __u32 next = 0;
  const __u32* previous = nullptr;
  __u32 current = 0;
  while (bpf_map_get_next_key(map.get(), previous, &next) == 0) {
    keys.insert(next);
    current = next;
    previous = &current;
  }
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(keys, (std::set<__u32>{7, 8}));
  EXPECT_EQ(bpf_map_lookup_and_delete_elem(map.get(), &key, &out), 0);
  EXPECT_EQ(bpf_map_delete_elem(map.get(), &key), -ENOENT);
  EXPECT_EQ(bpf_map_delete_elem_flags(map.get(), &other, 1), -EINVAL);
  EXPECT_EQ(bpf_map_delete_elem(map.get(), &other), 0);
}

TEST(LibbpfMapFd, CreationIsCheckedAsTheKernelChecksIt) {
  errno = 0;
  EXPECT_EQ(bpf_map_create(BPF_MAP_TYPE_ARRAY, "a", 8, 4, 1, nullptr), -EINVAL);  // key 4
  EXPECT_EQ(bpf_map_create(BPF_MAP_TYPE_HASH, "h", 4, 4, 0, nullptr), -EINVAL);
  EXPECT_EQ(bpf_map_create(BPF_MAP_TYPE_HASH, "bad name!", 4, 4, 1, nullptr), -EINVAL);
  EXPECT_EQ(bpf_map_create(BPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4095, nullptr), -EINVAL);
  // What user mode cannot do says so, with EOPNOTSUPP.
  PrintCapture capture;
  EXPECT_EQ(bpf_map_create(BPF_MAP_TYPE_SOCKMAP, "socks", 4, 4, 1, nullptr), -EOPNOTSUPP);
  EXPECT_NE(capture.warnings().find("not supported"), std::string::npos) << capture.all();
  bpf_map_create_opts offload{};
  offload.sz = sizeof offload;
  offload.map_ifindex = 2;
  EXPECT_EQ(bpf_map_create(BPF_MAP_TYPE_ARRAY, "off", 4, 4, 1, &offload), -EOPNOTSUPP);
  EXPECT_NE(capture.warnings().find("map_ifindex"), std::string::npos);
  // A name longer than 15 characters is cut, as libbpf does.
  Fd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, "a_very_long_map_name", 4, 4, 1, nullptr));
  ASSERT_GE(map.get(), 0);
  bpf_map_info info{};
  __u32 length = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(map.get(), &info, &length), 0);
  EXPECT_STREQ(info.name, "a_very_long_map");
}

TEST(LibbpfMapFd, PerCpuValuesAreLaidOutAsLinuxDoes) {
  const int cpus = libbpf_num_possible_cpus();
  ASSERT_GT(cpus, 0);
  Fd map(bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "pcpu", 4, 12, 2, nullptr));
  ASSERT_GE(map.get(), 0);
  // round_up(12, 8) = 16 bytes per CPU.
  std::vector<std::uint8_t> values(16 * static_cast<std::size_t>(cpus), 0);
  for (int cpu = 0; cpu < cpus; ++cpu)
    values[16 * static_cast<std::size_t>(cpu)] = static_cast<std::uint8_t>(cpu + 1);
  __u32 key = 1;
  ASSERT_EQ(bpf_map_update_elem(map.get(), &key, values.data(), BPF_ANY), 0);
  std::vector<std::uint8_t> out(values.size(), 0xff);
  ASSERT_EQ(bpf_map_lookup_elem(map.get(), &key, out.data()), 0);
  EXPECT_EQ(out, values);
}

TEST(LibbpfMapFd, QueuesPushPeekAndPop) {
  Fd queue(bpf_map_create(BPF_MAP_TYPE_QUEUE, "q", 0, 4, 4, nullptr));
  ASSERT_GE(queue.get(), 0) << errno;
  for (__u32 value : {1U, 2U, 3U})
    ASSERT_EQ(bpf_map_update_elem(queue.get(), nullptr, &value, 0), 0);
  __u32 out = 0;
  EXPECT_EQ(bpf_map_lookup_elem(queue.get(), nullptr, &out), 0);
  EXPECT_EQ(out, 1U);
  EXPECT_EQ(bpf_map_lookup_and_delete_elem(queue.get(), nullptr, &out), 0);
  EXPECT_EQ(out, 1U);
  EXPECT_EQ(bpf_map_lookup_and_delete_elem(queue.get(), nullptr, &out), 0);
  EXPECT_EQ(out, 2U);
}

TEST(LibbpfMapFd, FreezeRefusesUserWritesButNotReads) {
  Fd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, "frozen", 4, 8, 1, nullptr));
  ASSERT_GE(map.get(), 0);
  __u32 key = 0;
  __u64 value = 9;
  ASSERT_EQ(bpf_map_update_elem(map.get(), &key, &value, BPF_ANY), 0);
  EXPECT_EQ(bpf_map_freeze(map.get()), 0);
  EXPECT_EQ(bpf_map_freeze(map.get()), -EBUSY);
  EXPECT_EQ(bpf_map_update_elem(map.get(), &key, &value, BPF_ANY), -EPERM);
  __u64 out = 0;
  EXPECT_EQ(bpf_map_lookup_elem(map.get(), &key, &out), 0);
  EXPECT_EQ(out, 9U);
}

TEST(LibbpfMapFd, BatchesWalkArraysAndHashMaps) {
  Fd hash(bpf_map_create(BPF_MAP_TYPE_HASH, "batch", 4, 8, 100, nullptr));
  ASSERT_GE(hash.get(), 0);
  std::vector<__u32> keys(40);
  std::vector<__u64> values(40);
  for (__u32 i = 0; i < 40; ++i) {
    keys[i] = i * 3;
    values[i] = i * 10;
  }
  __u32 count = 40;
  ASSERT_EQ(bpf_map_update_batch(hash.get(), keys.data(), values.data(), &count, nullptr), 0);
  EXPECT_EQ(count, 40U);
  // Lookup in batches of 16: 16, 16, then 8 and -ENOENT.
  std::map<__u32, __u64> seen;
  __u32 token = 0;
  bool first = true;
  int result = 0;
  std::vector<int> counts;
  do {
    std::vector<__u32> out_keys(16);
    std::vector<__u64> out_values(16);
    count = 16;
    result = bpf_map_lookup_batch(hash.get(), first ? nullptr : &token, &token, out_keys.data(),
                                  out_values.data(), &count, nullptr);
    ASSERT_TRUE(result == 0 || result == -ENOENT) << result;
    for (__u32 i = 0; i < count; ++i) seen[out_keys[i]] = out_values[i];
    counts.push_back(static_cast<int>(count));
    first = false;
  } while (result == 0);
  EXPECT_EQ(counts, (std::vector<int>{16, 16, 8}));
  ASSERT_EQ(seen.size(), 40U);
  for (__u32 i = 0; i < 40; ++i) EXPECT_EQ(seen[i * 3], i * 10);
  // Lookup and delete takes everything out.
  std::vector<__u32> out_keys(64);
  std::vector<__u64> out_values(64);
  count = 64;
  EXPECT_EQ(bpf_map_lookup_and_delete_batch(hash.get(), nullptr, &token, out_keys.data(),
                                            out_values.data(), &count, nullptr),
            -ENOENT);
  EXPECT_EQ(count, 40U);
  __u32 next = 0;
  EXPECT_EQ(bpf_map_get_next_key(hash.get(), nullptr, &next), -ENOENT);

  Fd array(bpf_map_create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 5, nullptr));
  ASSERT_GE(array.get(), 0);
  count = 5;
  __u32 last = 0;
  EXPECT_EQ(bpf_map_lookup_batch(array.get(), nullptr, &last, out_keys.data(), out_values.data(),
                                 &count, nullptr),
            0);
  EXPECT_EQ(count, 5U);
  EXPECT_EQ(last, 4U);  // an array's token is the last key
  count = 5;
  EXPECT_EQ(bpf_map_delete_batch(array.get(), keys.data(), &count, nullptr), -524);  // ENOTSUPP
  bpf_map_batch_opts flags{};
  flags.sz = sizeof flags;
  flags.flags = 1;
  EXPECT_EQ(bpf_map_lookup_batch(array.get(), nullptr, &last, out_keys.data(), out_values.data(),
                                 &count, &flags),
            -EINVAL);
}

TEST(LibbpfMapFd, DescriptorsAreRealCloseDupAndForkBehave) {
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "real", 4, 8, 1, nullptr);
  ASSERT_GE(fd, 0);
  __u32 key = 0;
  __u64 value = 77;
  ASSERT_EQ(bpf_map_update_elem(fd, &key, &value, BPF_ANY), 0);
  const int copy = dup(fd);
  ASSERT_GE(copy, 0);
  EXPECT_EQ(close(fd), 0);
  __u64 out = 0;
  EXPECT_EQ(bpf_map_lookup_elem(fd, &key, &out), -EBADF);
  EXPECT_EQ(bpf_map_lookup_elem(copy, &key, &out), 0);  // the dup still names the map
  EXPECT_EQ(out, 77U);
  // A descriptor that is not a map's: EINVAL, as the kernel says.
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  EXPECT_EQ(bpf_map_lookup_elem(pipe_fds[0], &key, &out), -EINVAL);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  // A child inherits the descriptor and reads the map through it.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    __u64 seen = 0;
    const int looked = bpf_map_lookup_elem(copy, &key, &seen);
    _exit(looked == 0 && seen == 77 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // The map goes away with its last descriptor: its id is no longer found.
  bpf_map_info info{};
  __u32 length = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(copy, &info, &length), 0);
  const int by_id = bpf_map_get_fd_by_id(info.id);
  ASSERT_GE(by_id, 0);
  close(by_id);
  close(copy);
  EXPECT_EQ(bpf_map_get_fd_by_id(info.id), -ENOENT);
}

TEST(LibbpfMapFd, IdsIterateAndOpenWhatLives) {
  Fd first(bpf_map_create(BPF_MAP_TYPE_ARRAY, "first", 4, 4, 1, nullptr));
  Fd second(bpf_map_create(BPF_MAP_TYPE_HASH, "second", 4, 4, 1, nullptr));
  std::set<std::string> names;
  __u32 id = 0;
  while (bpf_map_get_next_id(id, &id) == 0) {
    Fd map(bpf_map_get_fd_by_id(id));
    ASSERT_GE(map.get(), 0);
    bpf_map_info info{};
    __u32 length = sizeof info;
    ASSERT_EQ(bpf_obj_get_info_by_fd(map.get(), &info, &length), 0);
    EXPECT_EQ(info.id, id);
    names.insert(info.name);
  }
  EXPECT_EQ(errno, ENOENT);
  EXPECT_TRUE(names.count("first") && names.count("second"));
  bpf_get_fd_by_id_opts opts{};
  opts.sz = sizeof opts;
  opts.open_flags = 0x1000;
  EXPECT_EQ(bpf_map_get_fd_by_id_opts(1, &opts), -EINVAL);
}

TEST(LibbpfMapFd, InfoHasLinuxsLayoutAndChecksTheTail) {
  bpf_map_create_opts opts{};
  opts.sz = sizeof opts;
  opts.map_flags = BPF_F_NO_PREALLOC;
  Fd map(bpf_map_create(BPF_MAP_TYPE_HASH, "info", 8, 16, 32, &opts));
  ASSERT_GE(map.get(), 0);
  bpf_map_info info{};
  __u32 length = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(map.get(), &info, &length), 0);
  EXPECT_EQ(length, sizeof info);
  EXPECT_EQ(info.type, BPF_MAP_TYPE_HASH);
  EXPECT_EQ(info.key_size, 8U);
  EXPECT_EQ(info.value_size, 16U);
  EXPECT_EQ(info.max_entries, 32U);
  EXPECT_EQ(info.map_flags, static_cast<__u32>(BPF_F_NO_PREALLOC));
  // A shorter struct gets its prefix; a longer one with a non-zero tail is refused.
  __u32 prefix[2] = {};
  length = sizeof prefix;
  ASSERT_EQ(bpf_obj_get_info_by_fd(map.get(), prefix, &length), 0);
  EXPECT_EQ(length, 8U);
  EXPECT_EQ(prefix[0], static_cast<__u32>(BPF_MAP_TYPE_HASH));
  struct {
    bpf_map_info info;
    __u32 extra;
  } longer{};
  longer.extra = 1;
  length = sizeof longer;
  EXPECT_EQ(bpf_obj_get_info_by_fd(map.get(), &longer, &length), -E2BIG);
}

TEST(LibbpfMapFd, PinsNameMapsInTheProcess) {
  Fd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, "pinned", 4, 4, 1, nullptr));
  ASSERT_EQ(bpf_obj_pin(map.get(), "/sys/fs/bpf/xbpf_test_pin"), 0);
  EXPECT_EQ(bpf_obj_pin(map.get(), "/sys/fs/bpf/xbpf_test_pin"), -EEXIST);
  Fd again(bpf_obj_get("/sys/fs/bpf/xbpf_test_pin"));
  ASSERT_GE(again.get(), 0);
  __u32 key = 0;
  __u32 value = 5;
  ASSERT_EQ(bpf_map_update_elem(again.get(), &key, &value, BPF_ANY), 0);
  __u32 out = 0;
  ASSERT_EQ(bpf_map_lookup_elem(map.get(), &key, &out), 0);
  EXPECT_EQ(out, 5U);
  EXPECT_EQ(bpf_obj_get("/sys/fs/bpf/xbpf_no_such_pin"), -ENOENT);
}

}  // namespace
}  // namespace xbpf::libbpf_test
