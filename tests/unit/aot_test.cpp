// Native images (src/aot/, runtime/native_image.h): translation, the contract and bytecode
// checks at load time, verification before compilation, tail calls and call depth in native
// code. The conformance suite (conformance-native) and RuntimePrograms compare native code
// with the interpreter on every ISA feature and program; these test what is native-only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "aot/image.h"
#include "aot/translate.h"
#include "isa/assembler.h"
#include "platform/platform.h"
#include "runtime/native_image.h"
#include "runtime_test_util.h"
#include "support/files.h"
#include "support/sha256.h"

namespace xbpf {
namespace {

using ::testing::HasSubstr;

#define REQUIRE_COMPILER()                                                        \
  if (!aot::find_c_compiler())                                                    \
  GTEST_SKIP() << "no C compiler found (cc, gcc or $XBPF_CC): native images are " \
                  "not built here"

std::vector<isa::Instruction> assemble(std::string_view source) {
  isa::AssembleOptions options;
  options.syntax = isa::Syntax::llvm;
  Result<std::vector<isa::Instruction>> program = isa::assemble(source, options);
  EXPECT_TRUE(program.ok()) << program.error().to_string();
  return program.ok() ? *program : std::vector<isa::Instruction>{};
}

// A program prepared with native code from an image of its own.
std::shared_ptr<const vm::Program> prepare_native(std::string_view source,
                                                  vm::Environment environment) {
  const std::vector<isa::Instruction> code = assemble(source);
  aot::ImageSource image;
  image.programs.push_back({"main", "", 0, code});
  Result<std::shared_ptr<const aot::Image>> built = aot::build_temporary(image);
  EXPECT_TRUE(built.ok()) << built.error().to_string();
  if (!built) return nullptr;
  environment.native = (*built)->function((*built)->programs().front());
  Result<std::shared_ptr<const vm::Program>> program = vm::Program::create(code, environment);
  EXPECT_TRUE(program.ok()) << program.error().to_string();
  return program.ok() ? *program : nullptr;
}

class TailCallHost : public vm::Host {
 public:
  const vm::Program* tail_call_target(std::uint64_t map, std::uint64_t index) override {
    if (map != 77 || index >= programs.size()) return nullptr;
    return programs[index].get();
  }
  bool supports_tail_calls() const override { return true; }
  std::vector<std::shared_ptr<const vm::Program>> programs;
};

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex(std::string_view("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(std::string_view("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      sha256_hex(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Aot, TranslationIsOneStatementPerInstructionWithLabels) {
  aot::ImageSource image;
  image.programs.push_back({"main", "xdp", 6, assemble(R"(
    r0 = 0
  loop:
    r0 += 1
    if r0 < 10 goto loop
    exit
  )")});
  Result<std::string> c = aot::translate(image);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_THAT(*c, HasSubstr("L1:;\n  r0 += 0x1ULL;"));
  EXPECT_THAT(*c, HasSubstr("if (r0 < 0xaULL) goto L1;"));
  EXPECT_THAT(*c, HasSubstr(aot::bytecode_digest(image.programs.front().code)));
}

// The frame is a u64 array: through r10 an atomic at a multiple of its width is the __atomic
// builtin, another a plain read-modify-write through the unaligned types (misaligned atomics
// are allowed on the stack only, private to the run); through another register a test of the
// address chooses. (Vm.MisalignedStackAtomicsGiveTheSameResultsOnEveryEngine runs them.)
TEST(Aot, MisalignedStackAtomicsArePlainReadModifyWrites) {
  aot::ImageSource image;
  image.programs.push_back({"main", "xdp", 6, assemble(R"(
    r1 = 1
    lock *(u64 *)(r10 - 12) += r1
    lock *(u64 *)(r10 - 16) += r1
    r2 = r10
    r1 = atomic_fetch_add((u64 *)(r2 - 12), r1)
    r0 = 0
    exit
  )")});
  Result<std::string> c = aot::translate(image);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_THAT(*c, HasSubstr("L1:;\n  { u64 old_ = *(m64 *)((u8 *)stack + 500); *(m64 *)((u8 "
                            "*)stack + 500) = (u64)(old_ + (u64)r1); }\n"));
  EXPECT_THAT(*c, HasSubstr("L2:;\n  __atomic_fetch_add((u64 *)((u8 *)stack + 496), (u64)r1, "
                            "__ATOMIC_SEQ_CST);\n"));
  EXPECT_THAT(*c, HasSubstr("L4:;\n  { u8 *a_ = (u8 *)(r2 - 12); if (((u64)a_ & 7) == 0) { r1 = "
                            "__atomic_fetch_add((u64 *)a_, (u64)r1, __ATOMIC_SEQ_CST); } else { { "
                            "u64 old_ = *(m64 *)a_; *(m64 *)a_ = (u64)(old_ + (u64)r1); r1 = "
                            "old_; } } }\n"));
}

TEST(Aot, TranslationRefusesInvalidPrograms) {
  aot::ImageSource image;
  image.programs.push_back({"bad", "", 0, assemble("r0 = 1")});  // no exit
  Result<std::string> c = aot::translate(image);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().to_string(), HasSubstr("bad: "));
}

TEST(Aot, ContractMismatchNamesBothHashes) {
  REQUIRE_COMPILER();
  aot::ImageSource image;
  image.contract = std::string(64, '0');
  image.programs.push_back({"main", "xdp", 6, assemble("r0 = 2\nexit")});
  Result<std::string> c = aot::translate(image);
  ASSERT_TRUE(c.ok());
  const std::string path =
      (test::binary_dir() / (std::string("aot_contract_test") + platform::shared_library_suffix()))
          .string();
  ASSERT_TRUE(aot::compile(*c, path).ok());
  Result<std::shared_ptr<const aot::Image>> loaded = runtime::load_native_image(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().to_string(), HasSubstr(image.contract));
  EXPECT_THAT(loaded.error().to_string(), HasSubstr(runtime::contract_hash()));
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

TEST(Aot, ContractHashIsStableAndHex) {
  const std::string& hash = runtime::contract_hash();
  EXPECT_EQ(hash.size(), 64U);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(&hash, &runtime::contract_hash());
}

TEST(Aot, ImagesAreBuiltFromVerifiedProgramsOnly) {
  const std::filesystem::path path = runtime::test::program_object("xdp_fault", 3);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built";
  Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
  ASSERT_TRUE(bytes.ok());
  Result<object::Object> object = object::read_object(std::move(*bytes), path.string());
  ASSERT_TRUE(object.ok());
  Result<aot::ImageSource> source = runtime::native_image_source(*object);
  ASSERT_FALSE(source.ok());
  EXPECT_THAT(source.error().to_string(), HasSubstr("refusing to compile"));
  EXPECT_THAT(source.error().to_string(), HasSubstr("not proven inside the packet"));
  runtime::NativeBuildOptions unverified;
  unverified.verify = false;
  EXPECT_TRUE(runtime::native_image_source(*object, unverified).ok());
}

TEST(Aot, TheRuntimeRefusesAnImageOfOtherBytecode) {
  REQUIRE_COMPILER();
  const std::filesystem::path path = runtime::test::program_object("xdp_actions", 3);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built";
  Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
  ASSERT_TRUE(bytes.ok());
  Result<object::Object> object = object::read_object(*bytes, path.string());
  ASSERT_TRUE(object.ok());
  object::Object changed = *object;
  ASSERT_FALSE(changed.programs.empty());
  bool edited = false;
  for (isa::Instruction& insn : changed.programs.front().instructions) {
    if (insn.info().form == isa::Form::alu_imm && insn.info().sem == isa::Sem::mov) {
      insn.imm ^= 1;
      edited = true;
      break;
    }
  }
  ASSERT_TRUE(edited);
  runtime::NativeBuildOptions unverified;
  unverified.verify = false;
  Result<aot::ImageSource> source = runtime::native_image_source(changed, unverified);
  ASSERT_TRUE(source.ok());
  Result<std::shared_ptr<const aot::Image>> image = aot::build_temporary(*source);
  ASSERT_TRUE(image.ok()) << image.error().to_string();
  runtime::RuntimeOptions options;
  options.native_image = *image;
  runtime::Runtime runtime(options);
  Result<std::shared_ptr<runtime::LoadedObject>> loaded = runtime.load(std::move(*object));
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().to_string(), HasSubstr("holds other bytecode"));
}

TEST(Aot, NativeRunWithoutAnImageIsAClearError) {
  Result<std::shared_ptr<const vm::Program>> program =
      vm::Program::create(assemble("r0 = 1\nexit"), {});
  ASSERT_TRUE(program.ok());
  vm::RunState state;
  Result<std::uint64_t> r0 = vm::run(**program, {}, state, vm::Engine::native);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("no native code"));
}

// `rX &= m; rX >>= k` is one and_rsh64 statement (a scaled index when m is a constant run of
// ones from bit k up), except where a jump lands on the shift; each form computes what the
// interpreter does, for masks that are such runs (in a register or an immediate) and not.
TEST(Aot, MaskThenShiftComputesWhatTheInterpreterDoes) {
  REQUIRE_COMPILER();
  const char* const sources[] = {
      "r4 = 0xffffffc0 ll\n r1 &= r4\n r1 >>= 3\n r0 = r1\n exit",
      "r1 &= -64\n r1 >>= 3\n r0 = r1\n exit",
      "r1 &= -64\n r1 >>= 6\n r0 = r1\n exit",
      "r1 &= -64\n r1 >>= 7\n r0 = r1\n exit",    // the shift drops a kept bit
      "r1 &= 0xff0\n r1 >>= 2\n r0 = r1\n exit",  // ones up to bit 11 only
      // The jump reaches the shift with r1 unmasked.
      "r4 = 0xffffffc0 ll\n if r2 == 0 goto shift\n r1 &= r4\nshift:\n r1 >>= 3\n r0 = r1\n exit",
  };
  const std::uint64_t values[][2] = {
      {0, 0}, {0xffffffffffffffff, 1}, {0x123456789abcdef0, 0}, {0xfedcba9876543210, 3}};
  for (const char* source : sources) {
    aot::ImageSource image;
    image.programs.push_back({"main", "", 0, assemble(source)});
    Result<std::string> c = aot::translate(image);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    const bool fused = std::string_view(source).find("if") == std::string_view::npos;
    EXPECT_EQ(c->find("r1 = and_rsh64(r1, ") != std::string::npos, fused) << source;
    std::shared_ptr<const vm::Program> program = prepare_native(source, {});
    ASSERT_NE(program, nullptr) << source;
    for (const auto& [r1, r2] : values) {
      vm::RunState state;
      const std::uint64_t args[2] = {r1, r2};
      Result<std::uint64_t> expected = vm::run(*program, args, state, vm::Engine::interpreter);
      Result<std::uint64_t> got = vm::run(*program, args, state, vm::Engine::native);
      ASSERT_TRUE(expected.ok() && got.ok()) << source;
      EXPECT_EQ(*expected, *got) << source << " with r1 = " << r1 << ", r2 = " << r2;
    }
  }
}

TEST(Aot, TailCallsStopAfter33) {
  REQUIRE_COMPILER();
  TailCallHost host;
  vm::Environment environment;
  environment.host = &host;
  host.programs.push_back(prepare_native(R"(
    r1 += 1
    r0 = r1
    r2 = 77
    r3 = 0
    call 12
    exit
  )",
                                         environment));
  ASSERT_NE(host.programs.front(), nullptr);
  vm::RunState state;
  const std::uint64_t args[1] = {0};
  Result<std::uint64_t> r0 = vm::run(*host.programs.front(), args, state, vm::Engine::native);
  ASSERT_TRUE(r0.ok()) << r0.error().to_string();
  EXPECT_EQ(*r0, 34U);
  EXPECT_EQ(state.tail_calls, vm::kMaxTailCalls);
}

TEST(Aot, TailCallIntoAnotherImage) {
  REQUIRE_COMPILER();
  TailCallHost host;
  vm::Environment environment;
  environment.host = &host;
  host.programs.push_back(prepare_native("r2 = 77\nr3 = 1\ncall 12\nr0 = 9\nexit", environment));
  host.programs.push_back(prepare_native("r0 = r1\nr0 += 100\nexit", environment));
  vm::RunState state;
  const std::uint64_t args[1] = {5};
  Result<std::uint64_t> r0 = vm::run(*host.programs.front(), args, state, vm::Engine::native);
  ASSERT_TRUE(r0.ok()) << r0.error().to_string();
  EXPECT_EQ(*r0, 105U);
  // An empty slot falls through.
  host.programs.pop_back();
  r0 = vm::run(*host.programs.front(), args, state, vm::Engine::native);
  ASSERT_TRUE(r0.ok());
  EXPECT_EQ(*r0, 9U);
}

TEST(Aot, CallDepthIsLimited) {
  REQUIRE_COMPILER();
  auto program = prepare_native(R"(
    call f
    exit
  f:
    call f
    exit
  )",
                                {});
  ASSERT_NE(program, nullptr);
  vm::RunState state;
  Result<std::uint64_t> r0 = vm::run(*program, {}, state, vm::Engine::native);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("call depth exceeds 8 frames"));
  vm::RunState interpreted;
  Result<std::uint64_t> expected = vm::run(*program, {}, interpreted, vm::Engine::interpreter);
  ASSERT_FALSE(expected.ok());
}

TEST(Aot, HelperFailureStopsTheRun) {
  REQUIRE_COMPILER();
  vm::Environment environment;
  environment.set_helper(1,
                         [](std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t,
                            std::uint64_t, vm::RunState& state) -> std::uint64_t {
                           state.fail(make_error("helper says no"));
                           return 0;
                         });
  auto program = prepare_native("r0 = 5\ncall 1\nr0 = 7\nexit", environment);
  ASSERT_NE(program, nullptr);
  vm::RunState state;
  Result<std::uint64_t> r0 = vm::run(*program, {}, state, vm::Engine::native);
  ASSERT_FALSE(r0.ok());
  EXPECT_THAT(r0.error().to_string(), HasSubstr("helper says no"));
}

}  // namespace
}  // namespace xbpf
