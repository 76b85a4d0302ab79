// CO-RE against the types xbpf describes (core.h): a program built with vmlinux.h is relocated
// field by field, by name, flavors and reordered fields included; existence checks answer for
// what xbpf does and does not describe; the committed target BTF describes what its source
// does.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "object/core.h"
#include "object/elf.h"
#include "runtime_test_util.h"

namespace xbpf::runtime::test {
namespace {

using object::Btf;
using object::BtfKind;
using object::BtfType;
using ::testing::HasSubstr;

// One type as text: kind, name, size, and its members or enumerators in order.
std::string describe_type(const Btf& btf, std::uint32_t id) {
  const BtfType& type = *btf.type(id);
  std::string text = std::to_string(static_cast<int>(type.kind)) + " " + type.name + " " +
                     std::to_string(btf.size_of(id).value_or(0)) + ":";
  for (const object::BtfMember& member : type.members) {
    text += " " + member.name + "@" + std::to_string(member.bit_offset) + "/" +
            std::to_string(member.bitfield_size) + "=" + btf.describe(member.type);
  }
  for (const object::BtfEnumValue& value : type.values) {
    text += " " + value.name + "=" + std::to_string(value.value);
  }
  return text;
}

std::set<std::string> named_types(const Btf& btf) {
  std::set<std::string> types;
  for (std::uint32_t id = 1; id < btf.size(); ++id) {
    const BtfType& type = *btf.type(id);
    const bool described = type.kind == BtfKind::struct_ || type.kind == BtfKind::union_ ||
                           type.kind == BtfKind::enum_ || type.kind == BtfKind::enum64;
    if (described && !type.name.empty()) types.insert(describe_type(btf, id));
  }
  return types;
}

TEST(ObjectCore, TheCommittedTargetBtfDescribesItsSource) {
  const std::filesystem::path path = xbpf::test::binary_dir() / "tests" / "core" / "core_targets.o";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built (clang missing?)";
  Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
  ASSERT_TRUE(bytes.ok());
  Result<object::ElfFile> elf = object::ElfFile::parse(std::move(*bytes), path.string());
  ASSERT_TRUE(elf.ok()) << elf.error().to_string();
  const object::ElfSection* section = elf->find_section(".BTF");
  ASSERT_NE(section, nullptr);
  Result<Btf> fresh = Btf::parse(section->data);
  ASSERT_TRUE(fresh.ok()) << fresh.error().to_string();
  const std::set<std::string> expected = named_types(*fresh);
  EXPECT_GT(expected.size(), 50U);
  EXPECT_EQ(named_types(object::core_target_btf()), expected)
      << "run scripts/gen-core-targets.sh after changing src/object/core_targets.bpf.c";
  for (const char* name : {"ethhdr", "iphdr", "ipv6hdr", "tcphdr", "udphdr", "icmphdr", "icmp6hdr",
                           "arphdr", "vlan_hdr", "__sk_buff", "xdp_md", "pt_regs", "xdp_action"}) {
    EXPECT_TRUE(object::is_core_known_type(name)) << name;
  }
  EXPECT_FALSE(object::is_core_known_type("task_struct"));
}

// What core_vmlinux.bpf.c writes at OUT.
struct Out {
  std::uint32_t protocol, ihl, version, ttl;
  std::uint32_t saddr, daddr, addrs_daddr;
  std::uint32_t source, dest, swapped_source, swapped_dest;
  std::uint32_t doff, syn, ack, psh, seq, window;
  std::uint32_t tcphdr_size, iphdr_size;
};

TEST(ObjectCore, AProgramBuiltWithVmlinuxHRunsWithXbpfsLayout) {
  for (int cpu = 1; cpu <= 4; ++cpu) {
    const std::filesystem::path path = program_object("core_vmlinux", cpu);
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built";
    SCOPED_TRACE(path.filename().string());
    RuntimeOptions options;
    options.verify = true;
    Result<LoadedFile> loaded = load_file(path.string(), options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    Result<LoadedFile> native = load_xbpf_native(path);
    ASSERT_TRUE(native.ok()) << native.error().to_string();
    for (const vm::Engine engine :
         {vm::Engine::interpreter, vm::Engine::checked, vm::Engine::jit, vm::Engine::native}) {
      const LoadedFile& file = engine == vm::Engine::native ? *native : *loaded;
      TestRunOptions run;
      run.data_in = frames::tcp_frame();
      run.engine = engine;
      Result<TestRunResult> result = test_run(*file.object->find_program("core_vmlinux"), run);
      ASSERT_TRUE(result.ok()) << result.error().to_string();
      ASSERT_EQ(result->retval, 2U) << vm::engine_name(engine);
      Out out;
      std::memcpy(&out, result->data_out.data() + 200, sizeof out);
      EXPECT_EQ(out.protocol, 6U);
      EXPECT_EQ(out.ihl, 5U);
      EXPECT_EQ(out.version, 4U);
      EXPECT_EQ(out.ttl, 64U);
      EXPECT_EQ(out.saddr, frames::kSource);
      EXPECT_EQ(out.daddr, frames::kDestination);
      EXPECT_EQ(out.addrs_daddr, frames::kDestination);
      EXPECT_EQ(out.source, frames::kTcpSourcePort);
      EXPECT_EQ(out.dest, frames::kTcpDestPort);
      // The flavor declares dest first: relocated by name, it reads the same fields.
      EXPECT_EQ(out.swapped_source, frames::kTcpSourcePort);
      EXPECT_EQ(out.swapped_dest, frames::kTcpDestPort);
      EXPECT_EQ(out.doff, 5U);
      EXPECT_EQ(out.syn, 0U);
      EXPECT_EQ(out.ack, 1U);
      EXPECT_EQ(out.psh, 1U);
      EXPECT_EQ(out.seq, frames::kTcpSequence);
      EXPECT_EQ(out.window, 502U);
      EXPECT_EQ(out.tcphdr_size, 20U);
      EXPECT_EQ(out.iphdr_size, 20U);
    }
  }
}

TEST(ObjectCore, ExistenceChecksAnswerForWhatXbpfDescribes) {
  const std::filesystem::path path = program_object("core_exists", 3);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built";
  RuntimeOptions options;
  options.verify = true;
  Result<LoadedFile> loaded = load_file(path.string(), options);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  TestRunOptions run;
  run.data_in = frames::udp_frame();
  run.engine = vm::Engine::interpreter;
  Result<TestRunResult> result = test_run(*loaded->object->find_program("core_exists"), run);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  std::uint32_t out[6];
  std::memcpy(out, result->data_out.data(), sizeof out);
  EXPECT_EQ(out[0], 0U);  // tcphdr's `ae` (Linux 6.18): the uapi tcphdr xbpf describes lacks it
  EXPECT_EQ(out[1], 1U);  // res1
  EXPECT_EQ(out[2], 0U);  // task_struct
  EXPECT_EQ(out[3], 1U);  // iphdr___flavored's ttl is iphdr's
  EXPECT_EQ(out[4], 0U);
  EXPECT_EQ(out[5], 1U);
}

TEST(ObjectCore, KernelTypesAreRefusedWithTheirName) {
  const std::filesystem::path path = program_object("core_exists", 3);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " was not built";
  Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
  ASSERT_TRUE(bytes.ok());
  Result<object::Object> object = object::read_object(std::move(*bytes), "core.o");
  ASSERT_TRUE(object.ok());
  const Btf& btf = *object->btf;
  const std::uint32_t task = btf.find(BtfKind::struct_, "task_struct").value_or(0);
  ASSERT_NE(task, 0U);
  Result<object::CoreResult> exists =
      object::core_resolve(btf, {0, task, "0", object::CoreKind::type_exists});
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(exists->target.has_value());
  Result<object::CoreResult> field =
      object::core_resolve(btf, {0, task, "0:0", object::CoreKind::field_byte_offset});
  ASSERT_TRUE(field.ok());
  EXPECT_FALSE(field->target.has_value());
  EXPECT_THAT(object::core_unresolved(btf, {0, task, "0:0", object::CoreKind::field_byte_offset}),
              HasSubstr("struct task_struct is not a type xbpf describes"));
}

}  // namespace
}  // namespace xbpf::runtime::test
