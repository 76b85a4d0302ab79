// memset, memcpy, memmove and memcmp lowered by the loader (object_builtins.cpp) do what the
// C library does, on every engine, verified; and an object whose programs cannot all load
// runs the ones that can.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "runtime_test_util.h"
#include "verifier/verifier.h"

namespace xbpf::runtime::test {
namespace {

using ::testing::HasSubstr;

// loader_builtins.bpf.c, done by the C library: the packet it writes.
Bytes expected_builtins_packet(std::size_t size) {
  Bytes packet(size, 0);
  std::uint8_t pattern[64];
  for (int i = 0; i < 64; ++i) pattern[i] = static_cast<std::uint8_t>(i);
  std::uint8_t buf[64];
  std::memcpy(buf, pattern, 64);
  std::memset(buf + 3, 0xa5, 13);
  std::memmove(buf + 17, buf + 16, 20);
  std::memmove(buf + 40, buf + 41, 23);
  std::memmove(buf + 1, buf + 2, 7);
  std::memset(buf + 63, 0x7f, 1);
  std::memcpy(packet.data(), buf, 64);
  auto sign = [](int value) { return value < 0 ? -1 : value > 0 ? 1 : 0; };
  const std::int32_t signs[4] = {sign(std::memcmp(pattern, pattern, 16)),
                                 sign(std::memcmp(pattern, pattern + 1, 5)),
                                 sign(std::memcmp(buf, pattern, 64)), 0};
  std::memcpy(packet.data() + 64, signs, sizeof signs);
  std::vector<std::uint8_t> big(40000, 0x5a);
  std::memcpy(big.data() + 20001, buf, 48);
  std::memset(big.data() + 39990, 0x3c, 10);
  const std::size_t reads[8] = {0, 20000, 20001, 20048, 20049, 32800, 39989, 39999};
  for (int i = 0; i < 8; ++i) packet[80 + static_cast<std::size_t>(i)] = big[reads[i]];
  return packet;
}

TEST(ObjectBuiltins, LoweredCallsVerifyAndDoWhatTheCLibraryDoesOnEveryEngine) {
  for (int cpu = 1; cpu <= 4; ++cpu) {
    const std::filesystem::path path = program_object("loader_builtins", cpu);
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built";
    SCOPED_TRACE(path.filename().string());
    RuntimeOptions options;
    options.verify = true;  // the lowered code is proven like any other
    Result<LoadedFile> loaded = load_file(path.string(), options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    Result<LoadedFile> native = load_xbpf_native(path);
    ASSERT_TRUE(native.ok()) << native.error().to_string();
    const Bytes expected = expected_builtins_packet(128);
    for (const vm::Engine engine :
         {vm::Engine::interpreter, vm::Engine::checked, vm::Engine::jit, vm::Engine::native}) {
      const LoadedFile& file = engine == vm::Engine::native ? *native : *loaded;
      const LoadedProgram* program = file.object->find_program("builtins");
      ASSERT_NE(program, nullptr);
      TestRunOptions run;
      run.data_in = Bytes(128, 0xee);
      run.engine = engine;
      Result<TestRunResult> result = test_run(*program, run);
      ASSERT_TRUE(result.ok()) << vm::engine_name(engine) << ": " << result.error().to_string();
      EXPECT_EQ(result->retval, 2U) << vm::engine_name(engine);  // XDP_PASS
      Bytes out = result->data_out;
      ASSERT_EQ(out.size(), expected.size());
      std::fill(out.begin() + 88, out.end(), 0);  // beyond what the program writes
      EXPECT_EQ(out, expected) << vm::engine_name(engine);
    }
  }
}

TEST(ObjectBuiltins, ProgramsThatLoadRunBesideThoseThatCannot) {
  const std::filesystem::path path = program_object("loader_mixed", 3);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built";
  RuntimeOptions options;
  options.verify = true;
  // As bpf_object__load: the first program that cannot load fails the object.
  Result<LoadedFile> whole = load_file(path.string(), options);
  ASSERT_FALSE(whole.ok());
  EXPECT_THAT(whole.error().message, HasSubstr("extern 'LINUX_KERNEL_VERSION' (kconfig)"));
  // Program by program: the others load, and the failures say why.
  LoadOptions independent;
  independent.independent_programs = true;
  Result<LoadedFile> loaded = load_file(path.string(), options, {}, independent);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  const LoadedProgram* good = loaded->object->find_program("good");
  ASSERT_NE(good, nullptr);
  TestRunOptions run;
  run.data_in = Bytes(64, 0);
  run.engine = vm::Engine::interpreter;
  Result<TestRunResult> result = test_run(*good, run);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->retval, 2U);
  ASSERT_EQ(loaded->object->failures().size(), 2U);
  EXPECT_EQ(loaded->object->failures()[0].name, "uses_kconfig");
  EXPECT_EQ(loaded->object->failures()[1].name, "old_section");
  EXPECT_NE(loaded->object->failed("old_section"), nullptr);
  EXPECT_EQ(loaded->object->find_program("old_section"), nullptr);
}

TEST(ObjectBuiltins, AMapThatCannotBeCreatedFailsOnlyTheProgramsThatUseIt) {
  const std::filesystem::path path = program_object("loader_iproute2_maps", 3);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built";
  Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
  ASSERT_TRUE(bytes.ok());
  object::LoadObjectOptions typed;
  typed.type = progtype::ProgramType::sched_cls;
  Result<object::Object> object = object::read_object(std::move(*bytes), path.string(), typed);
  ASSERT_TRUE(object.ok()) << object.error().to_string();
  object->maps[*object->find_map("calls")].max_entries = 0;  // as Falco leaves some for its loader
  Runtime runtime;
  LoadOptions independent;
  independent.independent_programs = true;
  Result<std::shared_ptr<LoadedObject>> loaded = runtime.load(*object, independent);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  ASSERT_EQ((*loaded)->map_failures().size(), 1U);
  EXPECT_EQ((*loaded)->map_failures()[0].name, "calls");
  EXPECT_EQ((*loaded)->maps().size(), 2U);
  const ProgramFailure* failed = (*loaded)->failed("count_packets");
  ASSERT_NE(failed, nullptr);
  EXPECT_THAT(failed->error.message,
              HasSubstr("count_packets: it uses a map that could not be "
                        "created: map 'calls': program array: max_entries 0"));
  EXPECT_NE((*loaded)->find_program("tail_target"), nullptr);
  // Without independent programs, the map fails the load.
  Runtime strict;
  Result<std::shared_ptr<LoadedObject>> whole = strict.load(std::move(*object));
  ASSERT_FALSE(whole.ok());
  EXPECT_THAT(whole.error().message, HasSubstr("map 'calls': program array: max_entries 0"));
}

TEST(ObjectBuiltins, TailCallsFollowIproute2sSectionConvention) {
  const std::filesystem::path path = program_object("loader_iproute2_maps", 3);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built";
  RuntimeOptions options;
  options.verify = true;
  object::LoadObjectOptions typed;
  typed.type = progtype::ProgramType::sched_cls;
  Result<LoadedFile> loaded = load_file(path.string(), options, typed);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  const LoadedProgram* program = loaded->object->find_program("count_packets");
  ASSERT_NE(program, nullptr);
  TestRunOptions run;
  run.data_in = frames::udp_frame();
  run.engine = vm::Engine::interpreter;
  Result<TestRunResult> result = test_run(*program, run);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->retval, 21U);  // counted in the inner map of slot 1, then "2/1" ran
  const LoadedMap* inner = loaded->object->find_map("inner_counts");
  ASSERT_NE(inner, nullptr);
  const std::uint32_t zero = 0;
  std::uint64_t count = 0;
  ASSERT_EQ(inner->map->user_lookup(&zero, &count, 0), 0);
  EXPECT_EQ(count, 1U);
}

}  // namespace
}  // namespace xbpf::runtime::test
