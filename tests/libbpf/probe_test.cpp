// libbpf_probe_bpf_* answer from xbpf's registries; type names and section names as libbpf's.
#include <cstring>

#include "libbpf_test_util.h"

namespace xbpf::libbpf_test {
namespace {

TEST(LibbpfProbe, ProgramMapAndHelperProbesAnswerFromTheRegistries) {
  EXPECT_EQ(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, nullptr), 1);
  EXPECT_EQ(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SOCKET_FILTER, nullptr), 1);
  EXPECT_EQ(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACING, nullptr), -EOPNOTSUPP);
  EXPECT_EQ(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_UNSPEC, nullptr), -EOPNOTSUPP);
  int opts = 0;
  EXPECT_EQ(libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, &opts), -EINVAL);
  for (const bpf_map_type type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY,
                                  BPF_MAP_TYPE_LPM_TRIE, BPF_MAP_TYPE_RINGBUF, BPF_MAP_TYPE_QUEUE,
                                  BPF_MAP_TYPE_HASH_OF_MAPS, BPF_MAP_TYPE_PERF_EVENT_ARRAY}) {
    EXPECT_EQ(libbpf_probe_bpf_map_type(type, nullptr), 1) << libbpf_bpf_map_type_str(type);
  }
  EXPECT_EQ(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_STRUCT_OPS, nullptr), 0);
  EXPECT_EQ(libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_map_lookup_elem, nullptr), 1);
  EXPECT_EQ(libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_adjust_head, nullptr), 1);
  // A socket filter may not adjust an XDP packet.
  EXPECT_EQ(libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCKET_FILTER, BPF_FUNC_xdp_adjust_head, nullptr),
            0);
}

TEST(LibbpfProbe, TypeNamesAreLibbpfs) {
  EXPECT_STREQ(libbpf_bpf_prog_type_str(BPF_PROG_TYPE_SCHED_CLS), "sched_cls");
  EXPECT_STREQ(libbpf_bpf_prog_type_str(BPF_PROG_TYPE_UNSPEC), "unspec");
  EXPECT_STREQ(libbpf_bpf_map_type_str(BPF_MAP_TYPE_LRU_PERCPU_HASH), "lru_percpu_hash");
  EXPECT_STREQ(libbpf_bpf_map_type_str(BPF_MAP_TYPE_BLOOM_FILTER), "bloom_filter");
  EXPECT_STREQ(libbpf_bpf_map_type_str(BPF_MAP_TYPE_USER_RINGBUF), "user_ringbuf");
  EXPECT_STREQ(libbpf_bpf_attach_type_str(BPF_XDP), "xdp");
  EXPECT_STREQ(libbpf_bpf_attach_type_str(BPF_LSM_CGROUP), "lsm_cgroup");
  EXPECT_STREQ(libbpf_bpf_link_type_str(BPF_LINK_TYPE_XDP), "xdp");
}

TEST(LibbpfProbe, SectionNamesGiveTypes) {
  bpf_prog_type type{};
  bpf_attach_type attach{};
  ASSERT_EQ(libbpf_prog_type_by_name("xdp", &type, &attach), 0);
  EXPECT_EQ(type, BPF_PROG_TYPE_XDP);
  ASSERT_EQ(libbpf_prog_type_by_name("cgroup/connect4", &type, &attach), 0);
  EXPECT_EQ(type, BPF_PROG_TYPE_CGROUP_SOCK_ADDR);
  EXPECT_EQ(attach, BPF_CGROUP_INET4_CONNECT);
  ASSERT_EQ(libbpf_attach_type_by_name("cgroup/connect4", &attach), 0);
  EXPECT_EQ(attach, BPF_CGROUP_INET4_CONNECT);
  PrintCapture capture;
  errno = 0;
  EXPECT_EQ(libbpf_prog_type_by_name("no_such_section", &type, &attach), -ESRCH);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(libbpf_attach_type_by_name("no_such_section", &attach), -EINVAL);
  EXPECT_EQ(libbpf_prog_type_by_name(nullptr, &type, &attach), -EINVAL);
}

}  // namespace
}  // namespace xbpf::libbpf_test
