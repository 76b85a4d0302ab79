// bpf_prog_load of raw instructions (map descriptors in lddw), bpf_prog_test_run_opts with
// Linux's semantics and -EINVAL cases, program info.
#include <cstring>

#include "libbpf_test_util.h"

namespace xbpf::libbpf_test {
namespace {

constexpr bpf_insn insn(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm) {
  bpf_insn result{};
  result.code = code;
  result.dst_reg = dst & 0xf;
  result.src_reg = src & 0xf;
  result.off = off;
  result.imm = imm;
  return result;
}

// r0 = XDP_PASS; exit
const std::vector<bpf_insn> kPass = {insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS),
                                     insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};

// Counts its runs in slot 0 of the array `map_fd`, returns XDP_TX.
std::vector<bpf_insn> counting(int map_fd) {
  return {
      insn(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),  // *(u32*)(r10 - 4) = 0
      insn(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd),
      insn(0, 0, 0, 0, 0),                             // lddw's second half
      insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),  // r2 = r10
      insn(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),  // r2 -= 4
      insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
      insn(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3, 0),         // if r0 == 0 goto out
      insn(BPF_LDX | BPF_MEM | BPF_DW, 1, 0, 0, 0),        // r1 = *(u64*)r0
      insn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1),       // r1 += 1
      insn(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 0, 0),        // *(u64*)r0 = r1
      insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_TX),  // out: r0 = XDP_TX
      insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
  };
}

// Reads the 21st packet byte without a bounds check: the verifier must refuse it.
const std::vector<bpf_insn> kUnchecked = {
    insn(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0),   // r2 = ctx->data
    insn(BPF_LDX | BPF_MEM | BPF_B, 0, 2, 20, 0),  // r0 = *(u8*)(r2 + 20)
    insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};

int load(enum bpf_prog_type type, const std::vector<bpf_insn>& code,
         const bpf_prog_load_opts* opts = nullptr) {
  return bpf_prog_load(type, "test_prog", "GPL", code.data(), code.size(), opts);
}

TEST(LibbpfProgFd, LoadsRawInstructionsAndRunsThem) {
  const int prog = load(BPF_PROG_TYPE_XDP, kPass);
  ASSERT_GE(prog, 0) << "errno " << errno;
  std::vector<std::uint8_t> packet(64, 0xab);
  std::vector<std::uint8_t> out(128, 0);
  bpf_test_run_opts opts{};
  opts.sz = sizeof opts;
  opts.data_in = packet.data();
  opts.data_size_in = static_cast<__u32>(packet.size());
  opts.data_out = out.data();
  opts.data_size_out = static_cast<__u32>(out.size());
  opts.repeat = 100;
  ASSERT_EQ(bpf_prog_test_run_opts(prog, &opts), 0) << errno;
  EXPECT_EQ(opts.retval, static_cast<__u32>(XDP_PASS));
  EXPECT_EQ(opts.data_size_out, 64U);
  EXPECT_TRUE(std::equal(packet.begin(), packet.end(), out.begin()));
  EXPECT_LT(opts.duration, 1'000'000'000U);
  close(prog);
}

TEST(LibbpfProgFd, ProgramsUseMapsByDescriptorAndRepeatRuns) {
  const int map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "runs", 4, 8, 1, nullptr);
  ASSERT_GE(map, 0);
  const int prog = load(BPF_PROG_TYPE_XDP, counting(map));
  ASSERT_GE(prog, 0) << "errno " << errno;
  std::vector<std::uint8_t> packet(60, 0);
  bpf_test_run_opts opts{};
  opts.sz = sizeof opts;
  opts.data_in = packet.data();
  opts.data_size_in = static_cast<__u32>(packet.size());
  opts.repeat = 25;
  ASSERT_EQ(bpf_prog_test_run_opts(prog, &opts), 0);
  EXPECT_EQ(opts.retval, static_cast<__u32>(XDP_TX));
  __u32 key = 0;
  __u64 runs = 0;
  ASSERT_EQ(bpf_map_lookup_elem(map, &key, &runs), 0);
  EXPECT_EQ(runs, 25U);
  // The program keeps its map after the map's descriptor is closed.
  close(map);
  ASSERT_EQ(bpf_prog_test_run_opts(prog, &opts), 0);
  bpf_prog_info info{};
  __u32 map_ids[4] = {};
  info.nr_map_ids = 4;
  info.map_ids = reinterpret_cast<__u64>(map_ids);
  __u32 length = sizeof info;
  ASSERT_EQ(bpf_obj_get_info_by_fd(prog, &info, &length), 0);
  EXPECT_EQ(info.type, static_cast<__u32>(BPF_PROG_TYPE_XDP));
  EXPECT_STREQ(info.name, "test_prog");
  EXPECT_EQ(info.nr_map_ids, 1U);
  EXPECT_EQ(info.xlated_prog_len, counting(0).size() * sizeof(bpf_insn));
  EXPECT_EQ(info.gpl_compatible, 1U);
  const int again = bpf_map_get_fd_by_id(map_ids[0]);
  ASSERT_GE(again, 0);
  ASSERT_EQ(bpf_map_lookup_elem(again, &key, &runs), 0);
  EXPECT_EQ(runs, 50U);
  close(again);
  close(prog);
}

TEST(LibbpfProgFd, TestRunRefusesWhatLinuxRefuses) {
  const int prog = load(BPF_PROG_TYPE_XDP, kPass);
  ASSERT_GE(prog, 0);
  std::vector<std::uint8_t> packet(64, 0);
  auto opts_for = [&] {
    bpf_test_run_opts opts{};
    opts.sz = sizeof opts;
    opts.data_in = packet.data();
    opts.data_size_in = static_cast<__u32>(packet.size());
    return opts;
  };
  bpf_test_run_opts opts = opts_for();
  opts.flags = 1U << 7;  // no such flag
  EXPECT_EQ(bpf_prog_test_run_opts(prog, &opts), -EINVAL);
  opts = opts_for();
  opts.cpu = 1;  // a CPU without BPF_F_TEST_RUN_ON_CPU
  EXPECT_EQ(bpf_prog_test_run_opts(prog, &opts), -EINVAL);
  opts = opts_for();
  opts.batch_size = 8;  // live frames only
  EXPECT_EQ(bpf_prog_test_run_opts(prog, &opts), -EINVAL);
  opts = opts_for();
  opts.data_size_in = 10;  // shorter than an Ethernet header
  EXPECT_EQ(bpf_prog_test_run_opts(prog, &opts), -EINVAL);
  opts = opts_for();
  xdp_md bad{};
  bad.data_meta = 4;
  opts.ctx_in = &bad;
  opts.ctx_size_in = sizeof bad;
  EXPECT_EQ(bpf_prog_test_run_opts(prog, &opts), -EINVAL);
  // Too small a data_out: its size is filled, the full size reported, -ENOSPC.
  opts = opts_for();
  std::uint8_t small[16] = {};
  opts.data_out = small;
  opts.data_size_out = sizeof small;
  EXPECT_EQ(bpf_prog_test_run_opts(prog, &opts), -ENOSPC);
  EXPECT_EQ(opts.data_size_out, 64U);
  EXPECT_EQ(bpf_prog_test_run_opts(-1, &opts), -EBADF);
  close(prog);
}

TEST(LibbpfProgFd, TestRunPassesTheContextInAndOut) {
  const int prog = load(BPF_PROG_TYPE_SOCKET_FILTER,
                        {insn(BPF_LDX | BPF_MEM | BPF_W, 0, 1, offsetof(__sk_buff, mark), 0),
                         insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)});
  ASSERT_GE(prog, 0) << errno;
  std::vector<std::uint8_t> packet(64, 0);
  __sk_buff ctx{};
  ctx.mark = 1234;
  __sk_buff ctx_out{};
  bpf_test_run_opts opts{};
  opts.sz = sizeof opts;
  opts.data_in = packet.data();
  opts.data_size_in = static_cast<__u32>(packet.size());
  opts.ctx_in = &ctx;
  opts.ctx_size_in = sizeof ctx;
  opts.ctx_out = &ctx_out;
  opts.ctx_size_out = sizeof ctx_out;
  ASSERT_EQ(bpf_prog_test_run_opts(prog, &opts), 0) << errno;
  EXPECT_EQ(opts.retval, 1234U);
  EXPECT_EQ(ctx_out.mark, 1234U);
  EXPECT_EQ(opts.ctx_size_out, sizeof ctx_out);
  close(prog);
}

TEST(LibbpfProgFd, ARejectedProgramFillsTheLogWithTheVerifiersReport) {
  char log[8192] = {};
  bpf_prog_load_opts opts{};
  opts.sz = sizeof opts;
  opts.log_buf = log;
  opts.log_size = sizeof log;
  opts.log_level = 1;
  errno = 0;
  EXPECT_EQ(load(BPF_PROG_TYPE_XDP, kUnchecked, &opts), -EACCES);
  EXPECT_EQ(errno, EACCES);
  const std::string text = log;
  EXPECT_NE(text.find("verifier rejects"), std::string::npos) << text;
  EXPECT_NE(text.find("pc 1"), std::string::npos) << text;
  EXPECT_EQ(text.find("--no-verify"), std::string::npos) << text;
  // An unknown program type and a helper the type may not call are refused too.
  EXPECT_EQ(load(BPF_PROG_TYPE_UNSPEC, kPass), -EINVAL);
  EXPECT_EQ(load(BPF_PROG_TYPE_XDP, {}), -EINVAL);
  opts = {};
  opts.sz = sizeof opts;
  opts.log_buf = log;  // a buffer without a size
  EXPECT_EQ(load(BPF_PROG_TYPE_XDP, kPass, &opts), -EINVAL);
}

}  // namespace
}  // namespace xbpf::libbpf_test
