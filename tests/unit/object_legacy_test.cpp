// Objects that other loaders and older toolchains wrote, read as those loaders read them:
// iproute2's and samples/bpf's map records, sections without function symbols, code all in
// .text, EM_NONE, R_BPF_64_64 in .maps, externs named after helpers, memset and friends; and
// objects where some programs cannot load while the others can.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "object/elf.h"
#include "object/object.h"
#include "object_test_util.h"
#include "progtype/progtype.h"
#include "support/linux_abi.h"

namespace xbpf::object {
namespace {

using namespace xbpf::object::test;  // NOLINT(google-build-using-namespace)
using progtype::ProgramType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr auto kMapInMap = static_cast<std::uint32_t>(linux_abi::MapType::hash_of_maps);
constexpr auto kArrayOfMaps = static_cast<std::uint32_t>(linux_abi::MapType::array_of_maps);
constexpr auto kProgArray = static_cast<std::uint32_t>(linux_abi::MapType::prog_array);

const MapDefinition& map_named(const Object& object, std::string_view name) {
  const std::optional<std::size_t> index = object.find_map(name);
  EXPECT_TRUE(index.has_value()) << "no map " << name;
  static const MapDefinition none;
  return index ? object.maps[*index] : none;
}

std::vector<std::string> program_names(const Object& object) {
  std::vector<std::string> names;
  for (const Program& program : object.programs) names.push_back(program.name);
  return names;
}

LoadObjectOptions with_type(ProgramType type) {
  LoadObjectOptions options;
  options.type = type;
  return options;
}

TEST(ObjectLegacy, ReadsIproute2MapRecords) {
  REQUIRE_OBJECT(bytes, "loader_iproute2_maps");
  const Object object =
      load_ok(*bytes, "loader_iproute2_maps.v3.o", with_type(ProgramType::sched_cls));
  const MapDefinition& inner = map_named(object, "inner_counts");
  const MapDefinition& outer = map_named(object, "outer");
  const MapDefinition& calls = map_named(object, "calls");
  EXPECT_EQ(inner.origin, MapOrigin::legacy);
  EXPECT_EQ(inner.value_size, 8U);
  EXPECT_EQ(inner.max_entries, 4U);
  EXPECT_EQ(inner.pinning, kPinNone);
  EXPECT_EQ(outer.type, kArrayOfMaps);
  EXPECT_EQ(outer.pinning, kPinGlobalNs);
  EXPECT_EQ(calls.pinning, kPinByName);  // PIN_OBJECT_NS
  // The inner map by its id (inner_id 7), and stored at its inner_idx (1) of the outer map.
  ASSERT_TRUE(outer.inner.has_value());
  EXPECT_EQ(object.maps[*outer.inner].name, "inner_counts");
  EXPECT_THAT(outer.initial_references, ElementsAre(Pair(1U, "inner_counts")));
  // tc's "ID/KEY" section: slot 1 of the program array whose id is 2.
  EXPECT_EQ(calls.type, kProgArray);
  EXPECT_THAT(calls.initial_references, ElementsAre(Pair(1U, "tail_target")));
  EXPECT_THAT(program_names(object), ElementsAre("count_packets", "tail_target"));
}

TEST(ObjectLegacy, ReadsSamplesMapRecordsInSectionsOfTheirOwn) {
  REQUIRE_OBJECT(bytes, "loader_samples_maps");
  const Object object = load_ok(*bytes, "loader_samples_maps.v3.o");
  std::vector<std::string> names;
  for (const MapDefinition& map : object.maps) names.push_back(map.name);
  EXPECT_THAT(names, ElementsAre("outer", "inner_template", "numa"));
  const MapDefinition& outer = map_named(object, "outer");
  EXPECT_EQ(outer.type, kMapInMap);
  ASSERT_TRUE(outer.inner.has_value());  // inner_map_idx 1
  EXPECT_EQ(object.maps[*outer.inner].name, "inner_template");
  EXPECT_THAT(outer.initial_references, IsEmpty());
  // numa_node 1 with BPF_F_NUMA_NODE is a NUMA node, not a pinning.
  EXPECT_EQ(map_named(object, "numa").pinning, kPinNone);
  EXPECT_EQ(map_named(object, "numa").flags, linux_abi::kNumaNode);
}

TEST(ObjectLegacy, RefusesALegacyMapInMapWithoutItsInnerMap) {
  REQUIRE_OBJECT(bytes, "loader_samples_maps");
  ElfEditor editor(*bytes);
  // outer's inner_map_idx (field 5) names itself.
  editor.put(editor.section("maps/outer").offset + 20, 0, 4);
  EXPECT_THAT(load_error(editor.bytes()),
              HasSubstr("section maps/outer: offset 0x0: map 'outer': inner_map_idx 0 names no "
                        "other map of the object's legacy maps (3 maps)"));
  REQUIRE_OBJECT(iproute2, "loader_iproute2_maps");
  ElfEditor other(*iproute2);
  // outer's inner_id (field 7) names no map.
  other.put(other.section("maps").offset + 36 + 28, 9, 4);
  EXPECT_THAT(load_error(other.bytes(), with_type(ProgramType::sched_cls)),
              HasSubstr("map 'outer': no map has the id 9 its inner_id names"));
}

TEST(ObjectLegacy, ASectionWithoutFunctionSymbolsIsOneProgram) {
  REQUIRE_OBJECT(bytes, "loader_mixed");
  ElfEditor editor(*bytes);
  // As older clang wrote them: no STT_FUNC symbol (here: NOTYPE, size 0) for any function.
  for (const char* name : {"good", "uses_kconfig", "old_section"}) {
    const std::uint64_t entry = editor.symbol_entry(name);
    editor.put(entry + 4, (editor.get(entry + 4, 1) & 0xf0) | kSymbolNoType, 1);
    editor.put(entry + 16, 0, 8);  // st_size
  }
  const Object object = load_ok(editor.bytes(), "old.o");
  // Section xdp holds two functions without symbols: one program of both, named after it.
  EXPECT_THAT(program_names(object), ElementsAre("xdp", "from-netdev"));
  EXPECT_TRUE(object.programs[0].error.has_value());  // it reaches the kconfig extern
  EXPECT_EQ(object.programs[1].type, ProgramType::unspec);
}

TEST(ObjectLegacy, EmNoneIsABpfObject) {
  REQUIRE_OBJECT(bytes, "loader_mixed");
  ElfEditor editor(*bytes);
  editor.put(18, 0, 2);  // e_machine: EM_NONE, as old LLVM wrote
  const Object object = load_ok(editor.bytes(), "em_none.o");
  EXPECT_EQ(object.programs.size(), 3U);
  editor.put(18, 62, 2);  // EM_X86_64
  EXPECT_THAT(load_error(editor.bytes()),
              HasSubstr("not a BPF object (e_machine 62, expected 247 EM_BPF, or 0 EM_NONE"));
}

TEST(ObjectLegacy, CodeAllInTextIsPrograms) {
  REQUIRE_OBJECT(bytes, "loader_text_only");
  const Object object = load_ok(*bytes, "loader_text_only.v3.o", with_type(ProgramType::sched_cls));
  // The global functions; the static one is a subprogram of `first`.
  EXPECT_THAT(program_names(object), ElementsAre("first", "second"));
  for (const Program& program : object.programs) {
    EXPECT_FALSE(program.error.has_value()) << program.error->to_string();
    EXPECT_EQ(program.section, ".text");
    EXPECT_EQ(program.type, ProgramType::sched_cls);
  }
  EXPECT_EQ(object.programs[0].functions.size(), 2U);  // first, then add_one
  // Without a type they are still listed, each with the reason it cannot load.
  const Object untyped = load_ok(*bytes, "loader_text_only.v3.o");
  ASSERT_EQ(untyped.programs.size(), 2U);
  ASSERT_TRUE(untyped.programs[0].error.has_value());
  EXPECT_THAT(untyped.programs[0].error->message,
              HasSubstr("section '.text' of program 'first' does not name a program type"));
}

TEST(ObjectLegacy, StaticFunctionsNoCodeCallsAreProgramsOutsideText) {
  REQUIRE_OBJECT(bytes, "loader_static");
  const Object object = load_ok(*bytes, "loader_static.v3.o");
  EXPECT_THAT(program_names(object), ElementsAre("first_filler", "second_filler"));
  ASSERT_EQ(object.programs.size(), 2U);
  EXPECT_EQ(object.programs[0].type, ProgramType::raw_tracepoint);
  EXPECT_EQ(object.programs[0].functions.size(), 2U);  // first_filler, then the static `twice`
}

TEST(ObjectLegacy, ANamedFunctionLoadsAsAProgramOfItsOwn) {
  REQUIRE_OBJECT(bytes, "loader_calls");
  LoadObjectOptions options;
  options.type = ProgramType::xdp;
  options.entries = {"global_helper", "no_such_function"};
  const Object object = load_ok(*bytes, "loader_calls.v3.o", options);
  const Program* helper = object.find_program("global_helper");
  ASSERT_NE(helper, nullptr);
  EXPECT_EQ(helper->section, ".text");
  EXPECT_FALSE(helper->error.has_value());
  EXPECT_EQ(object.find_program("no_such_function"), nullptr);
}

TEST(ObjectLegacy, ProgramsThatCannotLoadDoNotSinkTheOthers) {
  REQUIRE_OBJECT(bytes, "loader_mixed");
  const Object object = load_ok(*bytes, "loader_mixed.v3.o");
  ASSERT_THAT(program_names(object), ElementsAre("good", "uses_kconfig", "old_section"));
  EXPECT_FALSE(object.programs[0].error.has_value());
  ASSERT_TRUE(object.programs[1].error.has_value());
  EXPECT_THAT(object.programs[1].error->to_string(),
              HasSubstr("loader_mixed.v3.o: section xdp: extern 'LINUX_KERNEL_VERSION' (kconfig) "
                        "used at insn 0 of xdp/uses_kconfig is not supported"));
  ASSERT_TRUE(object.programs[2].error.has_value());
  EXPECT_THAT(object.programs[2].error->to_string(),
              HasSubstr("section 'from-netdev' of program 'old_section' does not name a program "
                        "type"));
  // --type gives the old section its type; the extern stays what it is.
  const Object typed = load_ok(*bytes, "loader_mixed.v3.o", with_type(ProgramType::xdp));
  EXPECT_FALSE(typed.programs[2].error.has_value());
  EXPECT_TRUE(typed.programs[1].error.has_value());
}

TEST(ObjectLegacy, OlderLlvmsR_BPF_64_64InMapsIsAnInitialValue) {
  REQUIRE_OBJECT(bytes, "loader_maps");
  const Object reference = load_ok(*bytes, "loader_maps.v3.o");
  ElfEditor editor(*bytes);
  const ElfSection& rel = editor.section(".rel.maps");
  for (std::size_t i = 0; i < rel.size / 16; ++i) {
    const std::uint64_t info = editor.relocation(".rel.maps", i) + 8;
    EXPECT_EQ(editor.get(info, 4), 2U);  // R_BPF_64_ABS64
    editor.put(info, 1, 4);              // R_BPF_64_64
  }
  const Object object = load_ok(editor.bytes(), "old_llvm.o");
  ASSERT_EQ(object.maps.size(), reference.maps.size());
  for (std::size_t i = 0; i < object.maps.size(); ++i) {
    EXPECT_EQ(object.maps[i].initial_references, reference.maps[i].initial_references)
        << object.maps[i].name;
  }
}

TEST(ObjectLegacy, RelocationsOfTypeZeroGoByTheirInstruction) {
  REQUIRE_OBJECT(bytes, "loader_calls");
  const Object reference = load_ok(*bytes, "loader_calls.v3.o");
  REQUIRE_OBJECT(maps, "loader_maps");
  const Object maps_reference = load_ok(*maps, "loader_maps.v3.o");
  // As older LLVM (EM_NONE objects, Open vSwitch's datapath) wrote them: type 0 on every
  // relocation of an lddw or a call. libbpf goes by the instruction, and so does xbpf.
  for (auto [original, expected, rel] : {std::tuple{&*bytes, &reference, ".reltc"},
                                         std::tuple{&*maps, &maps_reference, ".relxdp"}}) {
    ElfEditor editor(*original);
    const ElfSection& section = editor.section(rel);
    for (std::size_t i = 0; i < section.size / 16; ++i) {
      editor.put(editor.relocation(rel, i) + 8, 0, 4);  // R_BPF_NONE
    }
    const Object object = load_ok(editor.bytes(), "old_llvm.o");
    ASSERT_EQ(object.programs.size(), expected->programs.size()) << rel;
    for (std::size_t i = 0; i < object.programs.size(); ++i) {
      EXPECT_EQ(object.programs[i].instructions, expected->programs[i].instructions)
          << object.programs[i].name;
    }
  }
}

TEST(ObjectLegacy, AnExternNamedAfterAHelperIsThatHelper) {
  REQUIRE_OBJECT(bytes, "loader_extern_helper");
  const Object object = load_ok(*bytes, "loader_extern_helper.v3.o");
  ASSERT_EQ(object.programs.size(), 1U);
  ASSERT_FALSE(object.programs[0].error.has_value()) << object.programs[0].error->to_string();
  int calls = 0;
  for (const isa::Instruction& insn : object.programs[0].instructions) {
    if (insn.op == isa::Op::call_helper && insn.imm == 5) ++calls;  // bpf_ktime_get_ns
  }
  EXPECT_EQ(calls, 1);
}

TEST(ObjectLegacy, BuiltinCallsBecomeSubprogramsOfTheirLength) {
  REQUIRE_OBJECT(bytes, "loader_builtins");
  const Object object = load_ok(*bytes, "loader_builtins.v3.o");
  ASSERT_EQ(object.programs.size(), 1U);
  const Program& program = object.programs[0];
  ASSERT_FALSE(program.error.has_value()) << program.error->to_string();
  // Each builtin call became a local call to a subprogram of its own, one per length.
  std::vector<std::string> functions;
  for (const auto& [slot, name] : program.functions) functions.push_back(name);
  EXPECT_THAT(functions, ElementsAre("builtins", "__xbpf_memcpy_64", "__xbpf_memset_13",
                                     "__xbpf_memmove_20", "__xbpf_memmove_23", "__xbpf_memmove_7",
                                     "__xbpf_memset_1", "__xbpf_memcmp_16", "__xbpf_memcmp_5",
                                     "__xbpf_memcmp_64", "__xbpf_memcmp_0", "__xbpf_memset_40000",
                                     "__xbpf_memcpy_48", "__xbpf_memset_10"));
}

TEST(ObjectLegacy, RefusesBuiltinCallsOfUnknownLength) {
  REQUIRE_OBJECT(bytes, "loader_builtins");
  ElfEditor editor(*bytes);
  // The `r3 = 13` before the first memset becomes `r3 = r2`.
  const ElfSection& code = editor.section("xdp");
  bool changed = false;
  for (std::uint64_t at = code.offset; at + 8 <= code.offset + code.size; at += 8) {
    if (editor.get(at, 1) == 0xb7 && editor.get(at + 1, 1) == 0x03 && editor.get(at + 4, 4) == 13) {
      editor.put(at, 0xbf, 1);
      editor.put(at + 1, 0x23, 1);
      editor.put(at + 4, 0, 4);
      changed = true;
      break;
    }
  }
  ASSERT_TRUE(changed);
  EXPECT_THAT(load_error(editor.bytes()),
              HasSubstr("call to memset at insn 12 of xdp/builtins: the length (r3) is not a "
                        "constant set just before the call"));
}

}  // namespace
}  // namespace xbpf::object
