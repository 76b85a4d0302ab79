// BPF_PROG_TEST_RUN semantics, on programs assembled here: XDP frames with head, meta and tail
// adjustments, xdp_md and __sk_buff contexts in and out, refusals with Linux's errno, the
// checked mode confined to the live packet.
#include "runtime/test_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "isa/assembler.h"
#include "runtime/runtime.h"
#include "runtime/skb.h"
#include "runtime/xdp_buffer.h"
#include "support/linux_abi.h"

namespace xbpf::runtime {
namespace {

using progtype::ProgramType;
using ::testing::HasSubstr;

object::Object object_with(ProgramType type, std::string_view source,
                           std::string section = "test") {
  isa::AssembleOptions options;
  options.syntax = isa::Syntax::llvm;
  Result<std::vector<isa::Instruction>> code = isa::assemble(source, options);
  EXPECT_TRUE(code.ok()) << code.error().to_string();
  object::Object object;
  object.file = "test.o";
  object::Program program;
  program.name = "prog";
  program.section = std::move(section);
  program.type = type;
  program.instructions = code.ok() ? *code : std::vector<isa::Instruction>{};
  object.programs.push_back(std::move(program));
  return object;
}

struct Loaded {
  std::unique_ptr<Runtime> runtime = std::make_unique<Runtime>(RuntimeOptions{2, "-"});
  std::shared_ptr<LoadedObject> object;
  const LoadedProgram& program() const { return *object->programs().front(); }
};

// Verified unless `verify` is false (programs that test the checked mode's faults).
Loaded load(ProgramType type, std::string_view source, bool verify = true) {
  Loaded loaded;
  if (!verify) {
    RuntimeOptions options{2, "-"};
    options.verify = false;
    loaded.runtime = std::make_unique<Runtime>(options);
  }
  Result<std::shared_ptr<LoadedObject>> object = loaded.runtime->load(object_with(type, source));
  EXPECT_TRUE(object.ok()) << object.error().to_string();
  if (object.ok()) loaded.object = *object;
  return loaded;
}

std::vector<std::uint8_t> frame(std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i);
  return bytes;
}

template <class T>
T context_of(const std::vector<std::uint8_t>& bytes) {
  T value{};
  std::memcpy(&value, bytes.data(), std::min(bytes.size(), sizeof value));
  return value;
}

TEST(TestRun, XdpDataOutShowsHeadAndTailAdjustments) {
  // Grow the head by 4 bytes and write 0xaabbccdd there; grow the tail by 2 (zeroed).
  Loaded loaded = load(ProgramType::xdp, R"(
    r6 = r1
    r2 = -4
    call 44                      # bpf_xdp_adjust_head(ctx, -4)
    if r0 != 0 goto fail
    r2 = *(u32 *)(r6 + 0)        # data
    r3 = *(u32 *)(r6 + 4)        # data_end
    r4 = r2
    r4 += 4
    if r4 > r3 goto fail
    r5 = 0xddccbbaa ll
    *(u32 *)(r2 + 0) = r5
    r1 = r6
    r2 = 2
    call 65                      # bpf_xdp_adjust_tail(ctx, 2)
    if r0 != 0 goto fail
    r0 = 3                       # XDP_TX
    exit
  fail:
    r0 = 0
    exit
  )");
  ASSERT_TRUE(loaded.object);
  TestRunOptions options;
  options.data_in = frame(60);
  Result<TestRunResult> result = test_run(loaded.program(), options);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->retval, 3U);
  std::vector<std::uint8_t> expected = {0xaa, 0xbb, 0xcc, 0xdd};
  expected.insert(expected.end(), options.data_in.begin(), options.data_in.end());
  expected.insert(expected.end(), {0, 0});
  EXPECT_EQ(result->data_out, expected);
  const XdpMd md = context_of<XdpMd>(result->ctx_out);
  EXPECT_EQ(md.data_meta, 0U);
  EXPECT_EQ(md.data, 0U);
  EXPECT_EQ(md.data_end, 66U);
}

TEST(TestRun, XdpMetadataFromCtxInAndInDataOut) {
  // The program reads the 4-byte metadata before data and returns it.
  Loaded loaded = load(ProgramType::xdp, R"(
    r2 = *(u32 *)(r1 + 8)        # data_meta
    r3 = *(u32 *)(r1 + 0)        # data
    r4 = r2
    r4 += 4
    if r4 > r3 goto fail
    r0 = *(u32 *)(r2 + 0)
    exit
  fail:
    r0 = 0
    exit
  )");
  ASSERT_TRUE(loaded.object);
  TestRunOptions options;
  options.data_in = {0x01, 0x02, 0x03, 0x04};
  const std::vector<std::uint8_t> packet = frame(20);
  options.data_in.insert(options.data_in.end(), packet.begin(), packet.end());
  XdpMd in{};
  in.data = 4;
  in.data_end = 24;
  in.ingress_ifindex = 1;  // lo, the only device of test runs (Linux: ENODEV for others)
  options.ctx_in.assign(reinterpret_cast<const std::uint8_t*>(&in),
                        reinterpret_cast<const std::uint8_t*>(&in) + sizeof in);
  Result<TestRunResult> result = test_run(loaded.program(), options);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->retval, 0x04030201U);
  EXPECT_EQ(result->data_out, options.data_in);  // the metadata and the packet
  const XdpMd out = context_of<XdpMd>(result->ctx_out);
  EXPECT_EQ(out.data, 4U);
  EXPECT_EQ(out.data_end, 24U);
  EXPECT_EQ(out.ingress_ifindex, 1U);
}

TEST(TestRun, XdpRefusesWhatLinuxRefuses) {
  Loaded loaded = load(ProgramType::xdp, "r0 = 2\nexit");
  ASSERT_TRUE(loaded.object);
  TestRunOptions tiny;
  tiny.data_in = frame(10);
  Result<TestRunResult> result = test_run(loaded.program(), tiny);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().linux_errno, linux_abi::kEINVAL);
  EXPECT_THAT(result.error().message, HasSubstr("at least an Ethernet header"));

  TestRunOptions bad_ctx;
  bad_ctx.data_in = frame(20);
  XdpMd in{};
  in.data_end = 21;  // past data_in (less than it is a linear part and fragments)
  bad_ctx.ctx_in.assign(reinterpret_cast<const std::uint8_t*>(&in),
                        reinterpret_cast<const std::uint8_t*>(&in) + sizeof in);
  result = test_run(loaded.program(), bad_ctx);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().linux_errno, linux_abi::kEINVAL);
  EXPECT_THAT(result.error().message, HasSubstr("data_end at most the size of data_in"));
}

TEST(TestRun, AdjustmentsOutOfBoundsReturnEinvalAsLinux) {
  // Shrinking the packet below an Ethernet header, or growing the head past the headroom.
  Loaded loaded = load(ProgramType::xdp, R"(
    r6 = r1
    r2 = 20
    call 44                      # adjust_head(+20) on a 30-byte packet: 10 left < 14
    r7 = r0
    r1 = r6
    r2 = -300
    call 44                      # adjust_head(-300): beyond the 256-byte headroom
    r8 = r0
    r0 = 0
    if r7 != -22 goto out        # -EINVAL
    r0 |= 1
    if r8 != -22 goto out
    r0 |= 2
  out:
    exit
  )");
  ASSERT_TRUE(loaded.object);
  TestRunOptions options;
  options.data_in = frame(30);
  Result<TestRunResult> result = test_run(loaded.program(), options);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->r0, 3U) << "both adjustments must return -EINVAL";
  EXPECT_EQ(result->data_out, options.data_in);
}

TEST(TestRun, CheckedModeConfinesXdpToTheLivePacket) {
  // Reading one byte past data_end is refused, even though the frame has tailroom there.
  Loaded loaded = load(ProgramType::xdp, R"(
    r2 = *(u32 *)(r1 + 4)        # data_end
    r0 = *(u8 *)(r2 + 0)
    exit
  )",
                       /*verify=*/false);
  ASSERT_TRUE(loaded.object);
  TestRunOptions options;
  options.data_in = frame(20);
  Result<TestRunResult> result = test_run(loaded.program(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().to_string(), HasSubstr("read of 1 bytes"));
  EXPECT_THAT(result.error().to_string(), HasSubstr("1 bytes past the end of the packet"));
}

TEST(TestRun, SkbContextForTcPrograms) {
  // Reads len and protocol, marks the packet and writes cb[1]; returns TC_ACT_OK (0).
  Loaded loaded = load(ProgramType::sched_cls, R"(
    r2 = *(u32 *)(r1 + 0)        # len
    r3 = *(u32 *)(r1 + 16)       # protocol (network order)
    r3 <<= 16
    r2 |= r3
    *(u32 *)(r1 + 8) = r2        # mark = len | protocol << 16
    r4 = 77
    *(u32 *)(r1 + 52) = r4       # cb[1]
    r0 = 0
    exit
  )");
  ASSERT_TRUE(loaded.object);
  TestRunOptions options;
  options.data_in = frame(60);
  options.data_in[12] = 0x08;  // IPv4
  options.data_in[13] = 0x00;
  Result<TestRunResult> result = test_run(loaded.program(), options);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  const SkBuffContext out = context_of<SkBuffContext>(result->ctx_out);
  EXPECT_EQ(out.mark, 60U | (0x0008U << 16));  // tc sees the whole frame; htons(0x0800)
  EXPECT_EQ(out.cb[1], 77U);
  EXPECT_EQ(out.ifindex, 1U);  // the loopback device, as Linux's test run
  EXPECT_EQ(result->data_out, options.data_in);
}

TEST(TestRun, SocketFiltersSeeTheNetworkHeaderAndGetAZeroedMacHeaderBack) {
  Loaded loaded = load(ProgramType::socket_filter, R"(
    r6 = r1
    r0 = *(u8 *)skb[0]           # the first byte past the Ethernet header
    r2 = *(u32 *)(r6 + 0)        # len
    r0 <<= 16
    r0 |= r2
    exit
  )");
  ASSERT_TRUE(loaded.object);
  TestRunOptions options;
  options.data_in = frame(40);
  Result<TestRunResult> result = test_run(loaded.program(), options);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->retval, (14U << 16) | 26U);
  std::vector<std::uint8_t> expected = options.data_in;
  std::fill_n(expected.begin(), 14, 0);
  EXPECT_EQ(result->data_out, expected);
}

TEST(TestRun, SkbCtxInMaySetOnlyLinuxsFields) {
  Loaded loaded = load(ProgramType::sched_cls, "r0 = *(u32 *)(r1 + 8)\nexit");  // mark
  ASSERT_TRUE(loaded.object);
  TestRunOptions options;
  options.data_in = frame(30);
  SkBuffContext in{};
  in.mark = 42;
  options.ctx_in.assign(reinterpret_cast<const std::uint8_t*>(&in),
                        reinterpret_cast<const std::uint8_t*>(&in) + sizeof in);
  Result<TestRunResult> result = test_run(loaded.program(), options);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->retval, 42U);
  in.len = 5;  // not settable
  options.ctx_in.assign(reinterpret_cast<const std::uint8_t*>(&in),
                        reinterpret_cast<const std::uint8_t*>(&in) + sizeof in);
  result = test_run(loaded.program(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().linux_errno, linux_abi::kEINVAL);
}

TEST(TestRun, OtherTypesRunOnCtxIn) {
  Loaded loaded = load(ProgramType::raw_tracepoint, "r0 = *(u64 *)(r1 + 8)\nexit");
  ASSERT_TRUE(loaded.object);
  TestRunOptions options;
  const std::uint64_t args[2] = {1, 0x1234};
  options.ctx_in.assign(reinterpret_cast<const std::uint8_t*>(args),
                        reinterpret_cast<const std::uint8_t*>(args) + sizeof args);
  Result<TestRunResult> result = test_run(loaded.program(), options);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->retval, 0x1234U);
  options.data_in = frame(20);
  result = test_run(loaded.program(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message, HasSubstr("take no packet"));
}

TEST(TestRun, RepeatedRunsShareThePacket) {
  // Each run increments the first byte: after 5 runs it went up by 5.
  Loaded loaded = load(ProgramType::xdp, R"(
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r5 += 1
    *(u8 *)(r2 + 0) = r5
  out:
    r0 = 2
    exit
  )");
  ASSERT_TRUE(loaded.object);
  TestRunOptions options;
  options.data_in = frame(20);
  options.repeat = 5;
  Result<TestRunResult> result = test_run(loaded.program(), options);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->data_out[0], 5);
}

TEST(TestRun, HelpersAreCheckedAgainstTheProgramType) {
  Runtime runtime(RuntimeOptions{1, "-"});
  Result<std::shared_ptr<LoadedObject>> object = runtime.load(
      object_with(ProgramType::socket_filter, "r2 = 4\ncall 44\nr0 = 0\nexit", "socket"));
  ASSERT_FALSE(object.ok());
  EXPECT_THAT(object.error().to_string(),
              HasSubstr("test.o: section socket: insn 1: prog: bpf_xdp_adjust_head (44) is not "
                        "allowed in socket_filter programs"));
}

}  // namespace
}  // namespace xbpf::runtime

namespace xbpf::runtime {
namespace {

TEST(TestRun, TheLoadPipelineVerifiesEveryProgram) {
  const object::Object unsafe = object_with(ProgramType::xdp, R"(
    r2 = *(u32 *)(r1 + 4)
    r0 = *(u8 *)(r2 + 0)
    exit
  )",
                                            "xdp");
  Runtime runtime(RuntimeOptions{1, "-"});
  Result<std::shared_ptr<LoadedObject>> refused = runtime.load(unsafe);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().to_string(),
              HasSubstr("test.o: section xdp: the verifier rejects xdp/prog"));
  EXPECT_THAT(refused.error().to_string(),
              HasSubstr("\npc 1: read of 1 bytes at r2 + 0: r2 is not a pointer"));
  EXPECT_EQ(refused.error().linux_errno, linux_abi::kEACCES);

  Result<std::shared_ptr<LoadedObject>> safe =
      runtime.load(object_with(ProgramType::xdp, "r0 = 2\nexit\n"));
  ASSERT_TRUE(safe.ok()) << safe.error().to_string();
  EXPECT_TRUE((*safe)->programs().front()->verified);

  RuntimeOptions trusting{1, "-"};
  trusting.verify = false;
  Runtime unverified(trusting);
  Result<std::shared_ptr<LoadedObject>> loaded = unverified.load(unsafe);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_FALSE((*loaded)->programs().front()->verified);
}

TEST(TestRun, TheRuntimeOptionForbidsTheJit) {
  const object::Object source = object_with(ProgramType::xdp, "r0 = 2\nexit\n");
  RuntimeOptions forbid{2, "-"};
  forbid.jit = false;
  Runtime runtime(forbid);
  Result<std::shared_ptr<LoadedObject>> object = runtime.load(source);
  ASSERT_TRUE(object.ok()) << object.error().to_string();
  const LoadedProgram& program = *(*object)->programs().front();
  EXPECT_EQ(program.code->jit(), nullptr);
  TestRunOptions options;
  options.data_in = frame(64);
  options.engine = vm::Engine::jit;
  Result<TestRunResult> refused = test_run(program, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().to_string(),
              HasSubstr("the JIT is not available: the runtime forbids JIT compilation"));
  options.engine = vm::Engine::interpreter;
  Result<TestRunResult> interpreted = test_run(program, options);
  ASSERT_TRUE(interpreted.ok()) << interpreted.error().to_string();
  EXPECT_EQ(interpreted->retval, 2U);

  Loaded allowed = load(ProgramType::xdp, "r0 = 2\nexit\n");
  EXPECT_NE(allowed.program().code->jit(), nullptr);
  options.engine = vm::Engine::jit;
  Result<TestRunResult> jitted = test_run(allowed.program(), options);
  ASSERT_TRUE(jitted.ok()) << jitted.error().to_string();
  EXPECT_EQ(jitted->retval, 2U);
}

}  // namespace
}  // namespace xbpf::runtime
