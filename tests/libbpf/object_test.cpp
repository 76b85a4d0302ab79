// The object API: open, programs and maps and their attributes, settings before load, global
// data editable before load at the address it keeps, .rodata read-only after, load errors
// printed and logged as libbpf does.
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include "libbpf_test_util.h"

namespace xbpf::libbpf_test {
namespace {

ObjectPtr open_globals(const bpf_object_open_opts* opts = nullptr) {
  return ObjectPtr(bpf_object__open_file(program_path("libbpf_globals").c_str(), opts));
}

std::vector<std::string> program_names(const bpf_object* object) {
  std::vector<std::string> names;
  bpf_program* program = nullptr;
  bpf_object__for_each_program(program, object) names.emplace_back(bpf_program__name(program));
  return names;
}

std::vector<std::string> map_names(const bpf_object* object) {
  std::vector<std::string> names;
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, object) names.emplace_back(bpf_map__name(map));
  return names;
}

int run_once(const bpf_program* program, __u32 size = 64) {
  std::vector<std::uint8_t> packet(size, 0);
  bpf_test_run_opts opts{};
  opts.sz = sizeof opts;
  opts.data_in = packet.data();
  opts.data_size_in = size;
  const int result = bpf_prog_test_run_opts(bpf_program__fd(program), &opts);
  return result == 0 ? static_cast<int>(opts.retval) : result;
}

TEST(LibbpfObject, OpenListsProgramsAndMapsAsLibbpfNamesThem) {
  ObjectPtr object = open_globals();
  ASSERT_NE(object, nullptr) << errno;
  EXPECT_STREQ(bpf_object__name(object.get()), "libbpf_globals");
  EXPECT_EQ(program_names(object.get()),
            (std::vector<std::string>{"count_packets", "socket_length"}));
  // Global data: "<object name prefix>.<section>", custom sections by their own name.
  EXPECT_EQ(map_names(object.get()),
            (std::vector<std::string>{"counts", "per_cpu", "libbpf_g.rodata", "libbpf_g.data",
                                      ".data.custom", "libbpf_g.bss"}));
  bpf_program* program = bpf_object__find_program_by_name(object.get(), "count_packets");
  ASSERT_NE(program, nullptr);
  EXPECT_STREQ(bpf_program__section_name(program), "xdp");
  EXPECT_EQ(bpf_program__type(program), BPF_PROG_TYPE_XDP);
  EXPECT_TRUE(bpf_program__autoload(program));
  EXPECT_TRUE(bpf_program__autoattach(program));
  EXPECT_GT(bpf_program__insn_cnt(program), 10U);
  EXPECT_NE(bpf_program__insns(program), nullptr);
  EXPECT_EQ(bpf_program__fd(program), -ENOENT);  // not loaded
  EXPECT_EQ(bpf_object__find_program_by_name(object.get(), "nope"), nullptr);
  EXPECT_EQ(errno, ENOENT);
  bpf_map* counts = bpf_object__find_map_by_name(object.get(), "counts");
  ASSERT_NE(counts, nullptr);
  EXPECT_EQ(bpf_map__type(counts), BPF_MAP_TYPE_HASH);
  EXPECT_EQ(bpf_map__key_size(counts), 4U);
  EXPECT_EQ(bpf_map__value_size(counts), 8U);
  EXPECT_EQ(bpf_map__max_entries(counts), 64U);
  EXPECT_FALSE(bpf_map__is_internal(counts));
  EXPECT_EQ(bpf_map__fd(counts), -1);
  bpf_map* rodata = bpf_object__find_map_by_name(object.get(), ".rodata");
  ASSERT_NE(rodata, nullptr);
  EXPECT_STREQ(bpf_map__name(rodata), "libbpf_g.rodata");
  EXPECT_TRUE(bpf_map__is_internal(rodata));
  EXPECT_EQ(bpf_map__map_flags(rodata), static_cast<__u32>(BPF_F_MMAPABLE | BPF_F_RDONLY_PROG));
  // Iterating backwards gives the same in reverse.
  std::vector<std::string> reversed;
  for (bpf_map* map = bpf_object__prev_map(object.get(), nullptr); map != nullptr;
       map = bpf_object__prev_map(object.get(), map)) {
    reversed.emplace_back(bpf_map__name(map));
  }
  std::vector<std::string> forward = map_names(object.get());
  EXPECT_EQ(reversed, std::vector<std::string>(forward.rbegin(), forward.rend()));
}

TEST(LibbpfObject, OpenOptionsNameTheObjectAndOpenMemNamesItByAddress) {
  bpf_object_open_opts opts{};
  opts.sz = sizeof opts;
  opts.object_name = "custom_name";
  ObjectPtr named = open_globals(&opts);
  ASSERT_NE(named, nullptr);
  EXPECT_STREQ(bpf_object__name(named.get()), "custom_name");
  EXPECT_NE(bpf_object__find_map_by_name(named.get(), "custom_n.rodata"), nullptr);
  std::ifstream file(program_path("libbpf_globals"), std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ObjectPtr memory(bpf_object__open_mem(bytes.data(), bytes.size(), nullptr));
  ASSERT_NE(memory, nullptr);
  char expected[64];
  std::snprintf(expected, sizeof expected, "%lx-%lx", reinterpret_cast<unsigned long>(bytes.data()),
                static_cast<unsigned long>(bytes.size()));
  EXPECT_EQ(bpf_object__name(memory.get()), std::string(expected).substr(0, 15));
  // Not an ELF object: NULL, errno, a message.
  PrintCapture capture;
  const char junk[] = "not an object";
  EXPECT_EQ(bpf_object__open_mem(junk, sizeof junk, nullptr), nullptr);
  EXPECT_EQ(errno, LIBBPF_ERRNO__FORMAT);
  EXPECT_NE(capture.warnings().find("libbpf: "), std::string::npos);
}

TEST(LibbpfObject, GlobalDataIsEditableBeforeLoadAndKeepsItsAddress) {
  ObjectPtr object = open_globals();
  ASSERT_NE(object, nullptr);
  bpf_map* rodata = bpf_object__find_map_by_name(object.get(), ".rodata");
  bpf_map* data = bpf_object__find_map_by_name(object.get(), ".data");
  bpf_map* bss = bpf_object__find_map_by_name(object.get(), ".bss");
  ASSERT_TRUE(rodata && data && bss);
  std::size_t size = 0;
  auto* config = static_cast<__u32*>(const_cast<void*>(bpf_map__initial_value(rodata, &size)));
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(size, bpf_map__value_size(rodata));
  EXPECT_EQ(config[0], 80U);  // config_port's initial value
  config[0] = 1000;
  auto* counter = static_cast<__u64*>(const_cast<void*>(bpf_map__initial_value(data, &size)));
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(*counter, 5U);
  EXPECT_EQ(bpf_map__initial_value(bpf_object__find_map_by_name(object.get(), "counts"), &size),
            nullptr);
  ASSERT_EQ(bpf_object__load(object.get()), 0) << errno;
  // The same memory is the map's value now.
  EXPECT_EQ(bpf_map__initial_value(data, &size), counter);
  bpf_program* program = bpf_object__find_program_by_name(object.get(), "count_packets");
  EXPECT_EQ(run_once(program), XDP_PASS);
  EXPECT_EQ(*counter, 1005U);  // 5 + config_port
  EXPECT_EQ(run_once(program), XDP_PASS);
  EXPECT_EQ(*counter, 2005U);
  __u32 zero = 0;
  __u64 through_map = 0;
  ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(data), &zero, &through_map), 0);
  EXPECT_EQ(through_map, 2005U);
  // .bss: `seen` counts the runs.
  auto* seen = static_cast<const __u64*>(bpf_map__initial_value(bss, &size));
  EXPECT_EQ(*seen, 2U);
  // .rodata is frozen: the map refuses writes, and its memory is read-only to the process.
  __u32 port = 1;
  EXPECT_EQ(bpf_map_update_elem(bpf_map__fd(rodata), &zero, &port, BPF_ANY), -EPERM);
  EXPECT_EQ(bpf_map__set_initial_value(rodata, &port, sizeof port), -EINVAL);
  EXPECT_EXIT(
      {
        config[0] = 7;
        std::exit(0);
      },
      // The write faults: SIGSEGV, or ASan's report of it (an abort, or exit 1).
      [](int status) { return !(WIFEXITED(status) && WEXITSTATUS(status) == 0); }, "");
}

TEST(LibbpfObject, SettingsBeforeLoadAndTheirRefusalsAfter) {
  ObjectPtr object = open_globals();
  ASSERT_NE(object, nullptr);
  bpf_program* socket = bpf_object__find_program_by_name(object.get(), "socket_length");
  bpf_map* counts = bpf_object__find_map_by_name(object.get(), "counts");
  ASSERT_TRUE(socket && counts);
  EXPECT_EQ(bpf_program__set_autoload(socket, false), 0);
  EXPECT_EQ(bpf_map__set_max_entries(counts, 128), 0);
  EXPECT_EQ(bpf_map__max_entries(counts), 128U);
  EXPECT_EQ(bpf_map__set_key_size(counts, 4), 0);
  ASSERT_EQ(bpf_object__load(object.get()), 0);
  EXPECT_EQ(bpf_program__fd(socket), -ENOENT);  // not loaded
  bpf_map_info info{};
  __u32 length = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_map__fd(counts), &info, &length), 0);
  EXPECT_EQ(info.max_entries, 128U);
  EXPECT_STREQ(info.name, "counts");
  EXPECT_EQ(bpf_map__set_max_entries(counts, 8), -EBUSY);
  EXPECT_EQ(bpf_program__set_type(socket, BPF_PROG_TYPE_XDP), -EBUSY);
  EXPECT_EQ(bpf_program__set_autoload(socket, true), -EINVAL);
  EXPECT_EQ(bpf_object__load(object.get()), -EINVAL);  // twice
}

TEST(LibbpfObject, SizeCheckedMapOperations) {
  ObjectPtr object = open_globals();
  ASSERT_NE(object, nullptr);
  bpf_map* counts = bpf_object__find_map_by_name(object.get(), "counts");
  __u32 key = 3;
  __u64 value = 9;
  EXPECT_EQ(bpf_map__update_elem(counts, &key, sizeof key, &value, sizeof value, BPF_ANY),
            -ENOENT);  // not created yet
  ASSERT_EQ(bpf_object__load(object.get()), 0);
  EXPECT_EQ(bpf_map__update_elem(counts, &key, sizeof key, &value, sizeof value, BPF_ANY), 0);
  PrintCapture capture;
  EXPECT_EQ(bpf_map__update_elem(counts, &key, 8, &value, sizeof value, BPF_ANY), -EINVAL);
  EXPECT_NE(capture.warnings().find("map 'counts': unexpected key size 8 provided, expected 4"),
            std::string::npos);
  __u64 out = 0;
  EXPECT_EQ(bpf_map__lookup_elem(counts, &key, sizeof key, &out, 4, 0), -EINVAL);
  EXPECT_EQ(bpf_map__lookup_elem(counts, &key, sizeof key, &out, sizeof out, 0), 0);
  EXPECT_EQ(out, 9U);
  __u32 next = 0;
  EXPECT_EQ(bpf_map__get_next_key(counts, nullptr, &next, sizeof next), 0);
  EXPECT_EQ(next, 3U);
  EXPECT_EQ(bpf_map__lookup_and_delete_elem(counts, &key, sizeof key, &out, sizeof out, 0), 0);
  EXPECT_EQ(bpf_map__delete_elem(counts, &key, sizeof key, 0), -ENOENT);
  // Per-CPU maps want every CPU's value, each rounded up to 8 bytes.
  bpf_map* per_cpu = bpf_object__find_map_by_name(object.get(), "per_cpu");
  const std::size_t cpus = static_cast<std::size_t>(libbpf_num_possible_cpus());
  std::vector<__u64> values(cpus, 0);
  __u32 slot = 0;
  EXPECT_EQ(bpf_map__lookup_elem(per_cpu, &slot, sizeof slot, values.data(), 4, 0), -EINVAL);
  EXPECT_EQ(bpf_map__lookup_elem(per_cpu, &slot, sizeof slot, values.data(), 8 * cpus, 0), 0);
}

TEST(LibbpfObject, AFailedLoadPrintsTheVerifierReportBetweenLibbpfsMarkers) {
  ObjectPtr object(bpf_object__open_file(program_path("libbpf_reject").c_str(), nullptr));
  ASSERT_NE(object, nullptr);
  PrintCapture capture;
  EXPECT_EQ(bpf_object__load(object.get()), -EACCES);
  EXPECT_EQ(errno, EACCES);
  const std::string text = capture.warnings();
  const std::size_t begin = text.find("libbpf: prog 'read_unchecked': -- BEGIN PROG LOAD LOG --\n");
  const std::size_t end = text.find("-- END PROG LOAD LOG --\n");
  ASSERT_NE(begin, std::string::npos) << text;
  ASSERT_NE(end, std::string::npos) << text;
  const std::string log = text.substr(begin, end - begin);
  EXPECT_NE(log.find("libbpf_reject.bpf.c"), std::string::npos) << log;  // the source line
  EXPECT_NE(text.find("libbpf: prog 'read_unchecked': BPF program load failed: Permission denied"),
            std::string::npos);
  EXPECT_NE(text.find("libbpf: prog 'read_unchecked': failed to load: -13"), std::string::npos);
  EXPECT_NE(text.find("libbpf: failed to load object '" + program_path("libbpf_reject") + "'"),
            std::string::npos);
}

TEST(LibbpfObject, ALogBufferTakesTheReportInsteadOfThePrintCallback) {
  ObjectPtr object(bpf_object__open_file(program_path("libbpf_reject").c_str(), nullptr));
  ASSERT_NE(object, nullptr);
  char log[16384] = {};
  bpf_program* program = bpf_object__find_program_by_name(object.get(), "read_unchecked");
  ASSERT_EQ(bpf_program__set_log_buf(program, log, sizeof log), 0);
  PrintCapture capture;
  EXPECT_EQ(bpf_object__load(object.get()), -EACCES);
  EXPECT_NE(std::string(log).find("verifier rejects"), std::string::npos) << log;
  EXPECT_EQ(capture.warnings().find("BEGIN PROG LOAD LOG"), std::string::npos);
  // Without the bad program the object loads.
  ObjectPtr good(bpf_object__open_file(program_path("libbpf_reject").c_str(), nullptr));
  ASSERT_EQ(bpf_program__set_autoload(
                bpf_object__find_program_by_name(good.get(), "read_unchecked"), false),
            0);
  EXPECT_EQ(bpf_object__load(good.get()), 0);
}

TEST(LibbpfObject, ReuseFdSharesAMapBetweenObjects) {
  ObjectPtr first = open_globals();
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(bpf_object__load(first.get()), 0);
  ObjectPtr second = open_globals();
  ASSERT_NE(second, nullptr);
  bpf_map* shared = bpf_object__find_map_by_name(second.get(), "counts");
  ASSERT_EQ(bpf_map__reuse_fd(shared, bpf_object__find_map_fd_by_name(first.get(), "counts")), 0);
  ASSERT_EQ(bpf_object__load(second.get()), 0);
  EXPECT_EQ(run_once(bpf_object__find_program_by_name(second.get(), "count_packets"), 77),
            XDP_PASS);
  __u32 key = 77;
  __u64 value = 0;
  ASSERT_EQ(
      bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(first.get(), "counts"), &key, &value), 0);
  EXPECT_EQ(value, 1U);
}

TEST(LibbpfObject, PinnedProgramsAndMapsAreFoundAgain) {
  ObjectPtr object = open_globals();
  ASSERT_EQ(bpf_object__load(object.get()), 0);
  bpf_map* counts = bpf_object__find_map_by_name(object.get(), "counts");
  ASSERT_EQ(bpf_map__pin(counts, "/sys/fs/bpf/xbpf_object_counts"), 0);
  EXPECT_TRUE(bpf_map__is_pinned(counts));
  EXPECT_STREQ(bpf_map__pin_path(counts), "/sys/fs/bpf/xbpf_object_counts");
  const int fd = bpf_obj_get("/sys/fs/bpf/xbpf_object_counts");
  ASSERT_GE(fd, 0);
  close(fd);
  EXPECT_EQ(bpf_map__unpin(counts, nullptr), 0);
  EXPECT_EQ(bpf_obj_get("/sys/fs/bpf/xbpf_object_counts"), -ENOENT);
  bpf_program* program = bpf_object__find_program_by_name(object.get(), "count_packets");
  ASSERT_EQ(bpf_program__pin(program, "/sys/fs/bpf/xbpf_object_prog"), 0);
  const int prog = bpf_obj_get("/sys/fs/bpf/xbpf_object_prog");
  ASSERT_GE(prog, 0);
  bpf_prog_info info{};
  __u32 length = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(prog, &info, &length), 0);
  EXPECT_STREQ(info.name, "count_packets");
  close(prog);
  EXPECT_EQ(bpf_program__unpin(program, "/sys/fs/bpf/xbpf_object_prog"), 0);
}

}  // namespace
}  // namespace xbpf::libbpf_test
