// The object loader on clang's output (tests/programs/loader_*.bpf.c, compiled during the
// build): map definitions of every origin, instruction rewrites checked by decoding, linking,
// CO-RE, and every kind of malformed object crafted from a real one.
#include "object/object.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "object/core.h"
#include "object/elf.h"
#include "object_test_util.h"
#include "support/files.h"
#include "support/linux_abi.h"
#include "test_paths.h"

namespace xbpf::object {
namespace {

using namespace xbpf::object::test;  // NOLINT(google-build-using-namespace)

namespace fs = std::filesystem;
using progtype::AttachType;
using progtype::ProgramType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const MapDefinition& map_named(const Object& object, std::string_view name) {
  const std::optional<std::size_t> index = object.find_map(name);
  EXPECT_TRUE(index.has_value()) << "no map " << name;
  static const MapDefinition none;
  return index ? object.maps[*index] : none;
}

const Program& program_named(const Object& object, std::string_view name) {
  const Program* program = object.find_program(name);
  EXPECT_NE(program, nullptr) << "no program " << name;
  static const Program none;
  return program != nullptr ? *program : none;
}

// The names of the functions a linked program calls or takes the address of, by decoding.
std::set<std::string> callees(const Program& program) {
  std::set<std::string> names;
  for (const isa::Instruction& insn : program.instructions) {
    if (insn.op != isa::Op::call_local && insn.op != isa::Op::lddw_code_addr) continue;
    const auto target = program.functions.find(static_cast<std::uint32_t>(insn.target()));
    EXPECT_NE(target, program.functions.end())
        << program.name << ": call at slot " << insn.slot << " lands on slot " << insn.target()
        << ", which starts no function";
    if (target != program.functions.end()) names.insert(target->second);
  }
  return names;
}

// Every linked program is a valid program on its own, and survives encode + decode.
void expect_valid(const Program& program) {
  EXPECT_TRUE(isa::validate(program.instructions).ok()) << program.name;
  const std::vector<std::uint8_t> bytes = isa::encode(program.instructions);
  Result<std::vector<isa::Instruction>> decoded = isa::decode_and_validate(bytes);
  ASSERT_TRUE(decoded.ok()) << program.name << ": " << decoded.error().to_string();
  EXPECT_EQ(*decoded, program.instructions) << program.name;
  std::uint32_t slot = 0;
  for (const isa::Instruction& insn : program.instructions) {
    EXPECT_EQ(insn.slot, slot) << program.name;
    slot += insn.slots();
  }
  std::uint32_t previous = 0;
  for (const LineInfo& line : program.lines) {
    EXPECT_LT(line.instruction, slot) << program.name;
    EXPECT_GE(line.instruction, previous) << program.name;
    previous = line.instruction;
  }
}

// ---- maps ----

TEST(Object, ReadsBtfMapDefinitions) {
  REQUIRE_OBJECT(bytes, "loader_maps");
  const Object object = load_ok(*bytes, "loader_maps.v3.o");
  std::vector<std::string> names;
  for (const MapDefinition& map : object.maps) names.push_back(map.name);
  EXPECT_THAT(names, ElementsAre("inner_a", "inner_b", "outer", "outer.inner", "jump_table",
                                 "packets_by_port", "counters", "scratch", "events"));
  ASSERT_TRUE(object.btf);
  const Btf& btf = *object.btf;

  const MapDefinition& hash = map_named(object, "packets_by_port");
  EXPECT_EQ(hash.origin, MapOrigin::btf);
  EXPECT_EQ(hash.type, 1U);  // BPF_MAP_TYPE_HASH
  EXPECT_EQ(hash.key_size, 4U);
  EXPECT_EQ(hash.value_size, 8U);
  EXPECT_EQ(hash.max_entries, 1024U);
  EXPECT_EQ(hash.flags, linux_abi::kNoPrealloc);
  EXPECT_EQ(hash.pinning, 0U);
  EXPECT_EQ(btf.describe(hash.btf_key_type), "__u32");
  EXPECT_EQ(btf.describe(hash.btf_value_type), "__u64");
  EXPECT_EQ(hash.spin_lock_offset, -1);
  EXPECT_FALSE(hash.frozen());

  const MapDefinition& counters = map_named(object, "counters");
  EXPECT_EQ(counters.type, 2U);  // BPF_MAP_TYPE_ARRAY
  EXPECT_EQ(counters.value_size, 24U);
  EXPECT_EQ(counters.max_entries, 4U);
  EXPECT_EQ(counters.pinning, 1U);  // LIBBPF_PIN_BY_NAME
  EXPECT_EQ(counters.spin_lock_offset, 8);
  EXPECT_EQ(btf.describe(counters.btf_value_type), "struct counter");

  const MapDefinition& scratch = map_named(object, "scratch");
  EXPECT_EQ(scratch.type, 6U);  // BPF_MAP_TYPE_PERCPU_ARRAY, sizes given as numbers
  EXPECT_EQ(scratch.key_size, 4U);
  EXPECT_EQ(scratch.value_size, 16U);
  EXPECT_EQ(scratch.btf_key_type, 0U);

  const MapDefinition& events = map_named(object, "events");
  EXPECT_EQ(events.type, 27U);  // BPF_MAP_TYPE_RINGBUF
  EXPECT_EQ(events.key_size, 0U);
  EXPECT_EQ(events.max_entries, 4096U);
}

TEST(Object, ReadsMapInMapAndProgramArrayInitialValues) {
  REQUIRE_OBJECT(bytes, "loader_maps");
  const Object object = load_ok(*bytes, "loader_maps.v3.o");
  const MapDefinition& outer = map_named(object, "outer");
  EXPECT_EQ(outer.type, 12U);  // BPF_MAP_TYPE_ARRAY_OF_MAPS
  EXPECT_EQ(outer.key_size, 4U);
  EXPECT_EQ(outer.value_size, 4U);
  EXPECT_EQ(outer.max_entries, 3U);
  ASSERT_TRUE(outer.inner.has_value());
  const MapDefinition& inner = object.maps[*outer.inner];
  EXPECT_EQ(inner.name, "outer.inner");
  EXPECT_EQ(inner.type, 2U);
  EXPECT_EQ(inner.key_size, 4U);
  EXPECT_EQ(inner.value_size, 4U);
  EXPECT_EQ(inner.max_entries, 8U);
  EXPECT_THAT(outer.initial_references, ElementsAre(Pair(0U, "inner_a"), Pair(2U, "inner_b")));

  const MapDefinition& jump_table = map_named(object, "jump_table");
  EXPECT_EQ(jump_table.type, 3U);  // BPF_MAP_TYPE_PROG_ARRAY
  EXPECT_EQ(jump_table.key_size, 4U);
  EXPECT_EQ(jump_table.value_size, 4U);
  EXPECT_FALSE(jump_table.inner.has_value());
  EXPECT_THAT(jump_table.initial_references, ElementsAre(Pair(1U, "tail_target")));
}

TEST(Object, RewritesMapReferencesToMapIndexes) {
  REQUIRE_OBJECT(bytes, "loader_maps");
  const Object object = load_ok(*bytes, "loader_maps.v3.o");
  ASSERT_EQ(object.programs.size(), 2U);
  const Program& program = program_named(object, "use_maps");
  EXPECT_EQ(program.section, "xdp");
  EXPECT_EQ(program.type, ProgramType::xdp);
  EXPECT_EQ(program.attach, AttachType::xdp);
  expect_valid(program);
  std::vector<std::string> referenced;
  for (const isa::Instruction& insn : program.instructions) {
    if (insn.info().form != isa::Form::lddw) continue;
    ASSERT_EQ(insn.op, isa::Op::lddw_map_idx) << "slot " << insn.slot;
    EXPECT_EQ(insn.src, 5);
    EXPECT_EQ(insn.next_imm, 0);
    referenced.push_back(object.maps.at(static_cast<std::size_t>(insn.imm)).name);
  }
  EXPECT_THAT(referenced, ElementsAre("packets_by_port", "counters", "outer", "scratch", "events",
                                      "jump_table"));
  std::vector<std::string> maps;
  for (const std::size_t index : program.maps) maps.push_back(object.maps[index].name);
  EXPECT_THAT(
      maps, ElementsAre("outer", "jump_table", "packets_by_port", "counters", "scratch", "events"));
  EXPECT_EQ(object.license, "Dual BSD/GPL");
}

TEST(Object, ReadsLegacyMapDefinitions) {
  REQUIRE_OBJECT(bytes, "loader_legacy_maps");
  const Object object = load_ok(*bytes, "loader_legacy_maps.v3.o");
  ASSERT_EQ(object.maps.size(), 2U);
  const MapDefinition& hash = map_named(object, "legacy_hash");
  EXPECT_EQ(hash.origin, MapOrigin::legacy);
  EXPECT_EQ(hash.type, 1U);
  EXPECT_EQ(hash.key_size, 4U);
  EXPECT_EQ(hash.value_size, 8U);
  EXPECT_EQ(hash.max_entries, 256U);
  EXPECT_EQ(hash.flags, 0U);
  EXPECT_EQ(hash.btf_key_type, 0U);
  const MapDefinition& array = map_named(object, "legacy_array");
  EXPECT_EQ(array.type, 2U);
  EXPECT_EQ(array.value_size, 32U);
  EXPECT_EQ(array.max_entries, 16U);
  EXPECT_EQ(array.flags, linux_abi::kRdonlyProg);
  EXPECT_EQ(object.kernel_version, 0x050a00U);
  EXPECT_EQ(object.license, "GPL");

  const Program& program = program_named(object, "legacy_filter");
  EXPECT_EQ(program.type, ProgramType::socket_filter);
  EXPECT_EQ(program.attach, AttachType::none);
  expect_valid(program);
  std::set<std::string> referenced;
  for (const isa::Instruction& insn : program.instructions) {
    if (insn.op == isa::Op::lddw_map_idx)
      referenced.insert(object.maps.at(static_cast<std::size_t>(insn.imm)).name);
  }
  EXPECT_THAT(referenced, ElementsAre("legacy_array", "legacy_hash"));
}

TEST(Object, TurnsGlobalDataIntoSingleEntryArrays) {
  REQUIRE_OBJECT(bytes, "loader_globals");
  const Object object = load_ok(*bytes, "loader_globals.v3.o");
  std::vector<std::string> names;
  for (const MapDefinition& map : object.maps) names.push_back(map.name);
  EXPECT_THAT(names, ElementsAre(".data", ".rodata", ".data.counters", ".rodata.config", ".bss",
                                 ".bss.scratch"));
  const MapDefinition& data = map_named(object, ".data");
  EXPECT_EQ(data.origin, MapOrigin::data);
  EXPECT_EQ(data.type, 2U);
  EXPECT_EQ(data.key_size, 4U);
  EXPECT_EQ(data.value_size, 12U);  // packets (8) + hidden (4)
  EXPECT_EQ(data.max_entries, 1U);
  EXPECT_EQ(data.flags, linux_abi::kMmapable);
  EXPECT_FALSE(data.frozen());
  EXPECT_THAT(data.initial_data, ElementsAre(3, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0));
  ASSERT_TRUE(object.btf);
  EXPECT_EQ(object.btf->describe(data.btf_value_type), "datasec .data");

  const MapDefinition& rodata = map_named(object, ".rodata");
  EXPECT_EQ(rodata.origin, MapOrigin::rodata);
  EXPECT_TRUE(rodata.frozen());
  EXPECT_EQ(rodata.flags, linux_abi::kMmapable | linux_abi::kRdonlyProg);
  EXPECT_THAT(rodata.initial_data, ElementsAre(100, 0, 0, 0, 22, 0, 80, 0, 0xbb, 1, 0x90, 0x1f));

  const MapDefinition& config = map_named(object, ".rodata.config");
  EXPECT_TRUE(config.frozen());
  EXPECT_THAT(config.initial_data, ElementsAre('x', 'b', 'p', 'f', 0, 0, 0, 0));
  EXPECT_EQ(map_named(object, ".data.counters").value_size, 32U);

  const MapDefinition& bss = map_named(object, ".bss.scratch");
  EXPECT_EQ(bss.origin, MapOrigin::bss);
  EXPECT_EQ(bss.value_size, 64U);
  EXPECT_EQ(bss.initial_data, std::vector<std::uint8_t>(64, 0));
}

// (map, offset) of every global-data lddw of a program.
std::set<std::pair<std::string, std::int32_t>> data_references(const Object& object,
                                                               const Program& program) {
  std::set<std::pair<std::string, std::int32_t>> references;
  for (const isa::Instruction& insn : program.instructions) {
    if (insn.info().form != isa::Form::lddw) continue;
    EXPECT_EQ(insn.op, isa::Op::lddw_map_value_idx);
    EXPECT_EQ(insn.src, 6);
    references.insert({object.maps.at(static_cast<std::size_t>(insn.imm)).name, insn.next_imm});
  }
  return references;
}

TEST(Object, RewritesGlobalDataReferencesToMapValues) {
  REQUIRE_OBJECT(bytes, "loader_globals");
  const Object object = load_ok(*bytes, "loader_globals.v3.o");
  ASSERT_EQ(object.programs.size(), 3U);
  const Program& count = program_named(object, "count_packets");
  const Program& ports = program_named(object, "check_ports");
  const Program& connect = program_named(object, "connect_hook");
  for (const Program* program : {&count, &ports, &connect}) expect_valid(*program);
  using Ref = std::pair<std::string, std::int32_t>;
  // packets at .data+0, hidden (a static: section symbol + 8), threshold, per_protocol, drops.
  EXPECT_THAT(data_references(object, count),
              ElementsAre(Ref{".bss", 0}, Ref{".data", 0}, Ref{".data", 8},
                          Ref{".data.counters", 0}, Ref{".rodata", 0}));
  EXPECT_THAT(data_references(object, ports),
              ElementsAre(Ref{".bss.scratch", 0}, Ref{".rodata", 4}, Ref{".rodata.config", 0}));
  EXPECT_THAT(data_references(object, connect), ElementsAre(Ref{".data", 8}));
  EXPECT_EQ(count.section, "xdp");
  EXPECT_EQ(ports.section, "xdp");
  EXPECT_EQ(connect.type, ProgramType::cgroup_sock_addr);
  EXPECT_EQ(connect.attach, AttachType::cgroup_inet4_connect);
}

// ---- linking ----

TEST(Object, LinksSubprogramsAndCallbacks) {
  REQUIRE_OBJECT(bytes, "loader_calls");
  const Object object = load_ok(*bytes, "loader_calls.v3.o");
  std::vector<std::string> programs;
  for (const Program& program : object.programs) programs.push_back(program.name);
  EXPECT_THAT(programs, ElementsAre("tc_first", "tc_second", "xdp_loop", "plain"));
  for (const Program& program : object.programs) expect_valid(program);

  const Program& first = program_named(object, "tc_first");
  EXPECT_EQ(first.type, ProgramType::sched_cls);
  EXPECT_EQ(first.attach, AttachType::none);
  // Through .text + imm (sum_of_squares), a same-section call without relocation
  // (local_in_tc), and a call inside .text (square).
  EXPECT_THAT(callees(first), ElementsAre("local_in_tc", "square", "sum_of_squares"));
  EXPECT_EQ(first.functions.begin()->second, "tc_first");
  EXPECT_EQ(first.functions.begin()->first, 0U);
  EXPECT_EQ(first.functions.size(), 4U);

  // Through a global function symbol (global_helper).
  const Program& second = program_named(object, "tc_second");
  EXPECT_THAT(callees(second), ElementsAre("global_helper", "local_in_tc"));

  // bpf_loop's callback: lddw code_addr (src 4), appended like a subprogram.
  const Program& loop = program_named(object, "xdp_loop");
  EXPECT_THAT(callees(loop), ElementsAre("add_index", "square"));
  const auto lddw = std::find_if(
      loop.instructions.begin(), loop.instructions.end(),
      [](const isa::Instruction& insn) { return insn.info().form == isa::Form::lddw; });
  ASSERT_NE(lddw, loop.instructions.end());
  EXPECT_EQ(lddw->op, isa::Op::lddw_code_addr);
  EXPECT_EQ(lddw->src, 4);
  EXPECT_EQ(lddw->dst, 2);
  EXPECT_EQ(loop.functions.at(static_cast<std::uint32_t>(lddw->target())), "add_index");

  const Program& plain = program_named(object, "plain");
  EXPECT_EQ(plain.instructions.size(), 2U);
  EXPECT_EQ(plain.functions.size(), 1U);
  EXPECT_EQ(plain.type, ProgramType::socket_filter);
}

TEST(Object, MovesLineInfoWithTheSubprograms) {
  REQUIRE_OBJECT(bytes, "loader_calls");
  const Object object = load_ok(*bytes, "loader_calls.v3.o");
  const Program& loop = program_named(object, "xdp_loop");
  ASSERT_FALSE(loop.lines.empty());
  // The source line of square() lies inside square's slots in the linked program.
  std::uint32_t square_start = 0;
  for (const auto& [slot, name] : loop.functions) {
    if (name == "square") square_start = slot;
  }
  ASSERT_NE(square_start, 0U);
  bool found = false;
  for (const LineInfo& line : loop.lines) {
    if (line.source.find("return x * x") == std::string::npos) continue;
    found = true;
    EXPECT_GE(line.instruction, square_start);
    EXPECT_LT(line.instruction, square_start + 3);
    EXPECT_THAT(line.file, HasSubstr("loader_calls.bpf.c"));
  }
  EXPECT_TRUE(found);
}

TEST(Object, LoadsEveryTestProgramAtEveryCpuVersion) {
  if (!fs::is_directory(programs_dir())) GTEST_SKIP() << "the eBPF test programs were not built";
  // A kconfig extern, and a weak kfunc (__ksym __weak) in the -mcpu=v4 build of v4_features.
  const std::set<std::string> refused = {"loader_kconfig_extern", "v4_features.v4"};
  int loaded = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(programs_dir())) {
    if (entry.path().extension() != ".o") continue;
    const std::string stem = entry.path().stem().stem().string();  // NAME.vN.o -> NAME
    Result<std::vector<std::uint8_t>> bytes = read_file(entry.path().string());
    ASSERT_TRUE(bytes.ok());
    Result<Object> object = read_object(std::move(*bytes), entry.path().filename().string());
    ASSERT_TRUE(object.ok()) << object.error().to_string();
    if (refused.contains(stem) || refused.contains(entry.path().stem().string())) {
      // The program that uses the extern cannot load; the object can.
      EXPECT_TRUE(std::any_of(object->programs.begin(), object->programs.end(),
                              [](const Program& program) { return program.error.has_value(); }))
          << entry.path();
      continue;
    }
    EXPECT_FALSE(object->programs.empty()) << entry.path();
    for (const Program& program : object->programs) expect_valid(program);
    ++loaded;
  }
  EXPECT_GT(loaded, 0);
}

// ---- CO-RE ----

TEST(Object, ResolvesCoreRelocationsAgainstUapiStructs) {
  REQUIRE_OBJECT(bytes, "loader_core");
  // The CO-RE-relocated immediates, overwritten: the loader patches them back.
  ElfEditor editor(*bytes);
  const ElfSection& tc = editor.section("tc");
  for (const std::uint32_t slot : {11U, 13U, 15U}) editor.put(tc.offset + slot * 8 + 4, 77, 4);
  editor.put(tc.offset + 9 * 8 + 2, 99, 2);  // the offset of `r0 = *(u32 *)(r6 + 8)`
  const Object object = load_ok(editor.bytes(), "loader_core.v3.o");
  const Program& program = program_named(object, "core_skb");
  expect_valid(program);
  auto slot = [&](std::uint32_t index) {
    for (const isa::Instruction& insn : program.instructions) {
      if (insn.slot == index) return insn;
    }
    return isa::Instruction{};
  };
  EXPECT_EQ(slot(1).imm, 0);     // byte offset of __sk_buff::len
  EXPECT_EQ(slot(9).off, 8);     // byte offset of __sk_buff::mark
  EXPECT_EQ(slot(11).imm, 4);    // byte size of cb[2]
  EXPECT_EQ(slot(13).imm, 1);    // tstamp exists
  EXPECT_EQ(slot(15).imm, 192);  // sizeof(struct __sk_buff)
}

TEST(Object, RefusesCoreRelocationsAgainstOtherStructs) {
  REQUIRE_OBJECT(bytes, "loader_core");
  ElfEditor editor(*bytes);
  editor.replace(".BTF", std::string_view("__sk_buff\0", 10), std::string_view("task_strc\0", 10));
  EXPECT_THAT(load_error(editor.bytes()),
              HasSubstr("bad.o: section tc: CO-RE relocation (field_byte_offset, access '0:0') at "
                        "insn 1 of tc/core_skb: struct task_strc is not a type xbpf describes "
                        "(packet headers such as ethhdr,"));
  EXPECT_TRUE(is_core_known_type("bpf_sock_addr"));
  EXPECT_FALSE(is_core_known_type("task_struct"));
}

TEST(Object, ComputesCoreValuesFromTheLocalBtf) {
  REQUIRE_OBJECT(bytes, "loader_core");
  const Object object = load_ok(*bytes, "loader_core.v3.o");
  const Btf& btf = *object.btf;
  const std::uint32_t skb = btf.find(BtfKind::struct_, "__sk_buff").value_or(0);
  auto value = [&](std::string access, CoreKind kind) {
    Result<std::uint64_t> result = core_local_value(btf, {0, skb, std::move(access), kind});
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : 0;
  };
  EXPECT_EQ(value("0:0", CoreKind::field_byte_offset), 0U);      // len
  EXPECT_EQ(value("0:2", CoreKind::field_byte_offset), 8U);      // mark
  EXPECT_EQ(value("0:12:3", CoreKind::field_byte_offset), 60U);  // cb[3]
  EXPECT_EQ(value("0:12", CoreKind::field_byte_size), 20U);      // cb
  EXPECT_EQ(value("0:12:3", CoreKind::field_byte_size), 4U);
  EXPECT_EQ(value("0:2", CoreKind::field_signed), 0U);
  EXPECT_EQ(value("0:2", CoreKind::field_lshift_u64), 32U);
  EXPECT_EQ(value("0:2", CoreKind::field_rshift_u64), 32U);
  EXPECT_EQ(value("0", CoreKind::type_size), 192U);
  EXPECT_EQ(value("0", CoreKind::type_id_local), skb);
  Result<std::uint64_t> bad = core_local_value(btf, {0, skb, "0:99", CoreKind::field_byte_offset});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("member index 99 is beyond the 34 members"));
  bad = core_local_value(btf, {0, skb, "0:x", CoreKind::field_byte_offset});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("malformed access string '0:x'"));
}

// ---- program types ----

TEST(Object, ProgramTypesFollowLibbpfSectionNames) {
  struct Case {
    const char* section;
    ProgramType type;
    AttachType attach;
  };
  const Case cases[] = {
      {"xdp", ProgramType::xdp, AttachType::xdp},
      {"xdp.frags", ProgramType::xdp, AttachType::xdp},
      {"xdp/devmap", ProgramType::xdp, AttachType::xdp_devmap},
      {"xdp.frags/cpumap", ProgramType::xdp, AttachType::xdp_cpumap},
      {"tc", ProgramType::sched_cls, AttachType::none},
      {"classifier", ProgramType::sched_cls, AttachType::none},
      {"tcx/ingress", ProgramType::sched_cls, AttachType::tcx_ingress},
      {"action", ProgramType::sched_act, AttachType::none},
      {"socket", ProgramType::socket_filter, AttachType::none},
      {"sockops", ProgramType::sock_ops, AttachType::cgroup_sock_ops},
      {"sk_skb/stream_verdict", ProgramType::sk_skb, AttachType::sk_skb_stream_verdict},
      {"sk_skb/stream_parser", ProgramType::sk_skb, AttachType::sk_skb_stream_parser},
      {"sk_skb", ProgramType::sk_skb, AttachType::none},
      {"sk_msg", ProgramType::sk_msg, AttachType::sk_msg_verdict},
      {"flow_dissector", ProgramType::flow_dissector, AttachType::flow_dissector},
      {"lwt_in", ProgramType::lwt_in, AttachType::none},
      {"lwt_xmit", ProgramType::lwt_xmit, AttachType::none},
      {"kprobe/do_sys_open", ProgramType::kprobe, AttachType::none},
      {"kprobe", ProgramType::kprobe, AttachType::none},
      {"kretprobe/do_sys_open", ProgramType::kprobe, AttachType::none},
      {"uprobe.s/bin:main", ProgramType::kprobe, AttachType::none},
      {"kprobe.multi/tcp_*", ProgramType::kprobe, AttachType::trace_kprobe_multi},
      {"tracepoint/syscalls/sys_enter_open", ProgramType::tracepoint, AttachType::none},
      {"tp/sched/sched_switch", ProgramType::tracepoint, AttachType::none},
      {"raw_tp/sched_switch", ProgramType::raw_tracepoint, AttachType::none},
      {"raw_tracepoint.w/x", ProgramType::raw_tracepoint_writable, AttachType::none},
      {"tp_btf/sched_switch", ProgramType::tracing, AttachType::trace_raw_tp},
      {"fentry/tcp_connect", ProgramType::tracing, AttachType::trace_fentry},
      {"fexit.s/x", ProgramType::tracing, AttachType::trace_fexit},
      {"lsm/file_open", ProgramType::lsm, AttachType::lsm_mac},
      {"perf_event", ProgramType::perf_event, AttachType::none},
      {"cgroup_skb/ingress", ProgramType::cgroup_skb, AttachType::cgroup_inet_ingress},
      {"cgroup_skb/egress", ProgramType::cgroup_skb, AttachType::cgroup_inet_egress},
      {"cgroup/skb", ProgramType::cgroup_skb, AttachType::none},
      {"cgroup/connect4", ProgramType::cgroup_sock_addr, AttachType::cgroup_inet4_connect},
      {"cgroup/sendmsg6", ProgramType::cgroup_sock_addr, AttachType::cgroup_udp6_sendmsg},
      {"cgroup/getsockname4", ProgramType::cgroup_sock_addr, AttachType::cgroup_inet4_getsockname},
      {"cgroup/sock", ProgramType::cgroup_sock, AttachType::cgroup_inet_sock_create},
      {"cgroup/post_bind6", ProgramType::cgroup_sock, AttachType::cgroup_inet6_post_bind},
      {"cgroup/dev", ProgramType::cgroup_device, AttachType::cgroup_device},
      {"cgroup/sysctl", ProgramType::cgroup_sysctl, AttachType::cgroup_sysctl},
      {"cgroup/getsockopt", ProgramType::cgroup_sockopt, AttachType::cgroup_getsockopt},
      {"sk_lookup", ProgramType::sk_lookup, AttachType::sk_lookup},
      {"sk_reuseport/migrate", ProgramType::sk_reuseport,
       AttachType::sk_reuseport_select_or_migrate},
      {"lirc_mode2", ProgramType::lirc_mode2, AttachType::lirc_mode2},
      {"struct_ops/x", ProgramType::struct_ops, AttachType::none},
      {"syscall", ProgramType::syscall, AttachType::none},
      {"netfilter", ProgramType::netfilter, AttachType::netfilter},
  };
  for (const Case& c : cases) {
    const std::optional<progtype::SectionMatch> match =
        progtype::program_type_for_section(c.section);
    ASSERT_TRUE(match.has_value()) << c.section;
    EXPECT_EQ(match->type, c.type) << c.section;
    EXPECT_EQ(match->attach, c.attach) << c.section;
  }
  // Exact names take no extras; "type+" names need a '/' before them.
  for (const char* unknown : {"xdp/foo", "xdpx", "socket/1", "kprobe2", "kprobes/x", "tc/ingress2",
                              "cgroup/connect", "sk_msg/x", ".text", "", "classifier/x"}) {
    EXPECT_FALSE(progtype::program_type_for_section(unknown).has_value()) << unknown;
  }
}

TEST(Object, UnknownSectionsNeedAType) {
  REQUIRE_OBJECT(bytes, "loader_calls");
  ElfEditor editor(*bytes);
  editor.replace(".strtab", std::string_view("\0socket\0", 8), std::string_view("\0sockez\0", 8));
  EXPECT_THAT(
      load_error(editor.bytes()),
      HasSubstr("bad.o: section sockez: section 'sockez' of program 'plain' does not name a "
                "program type (expected a libbpf section name such as xdp, tc, socket, "
                "kprobe/FUNCTION or cgroup/connect4); choose the type with --type"));
  LoadObjectOptions options;
  options.type = ProgramType::socket_filter;
  const Object object = load_ok(editor.bytes(), "renamed.o", options);
  const Program& plain = program_named(object, "plain");
  EXPECT_EQ(plain.type, ProgramType::socket_filter);
  EXPECT_EQ(plain.attach, AttachType::none);
  // The override applies to every program; the attach type stays when the types agree.
  options.type = ProgramType::sched_cls;
  const Object overridden = load_ok(editor.bytes(), "renamed.o", options);
  EXPECT_EQ(program_named(overridden, "xdp_loop").type, ProgramType::sched_cls);
  EXPECT_EQ(program_named(overridden, "xdp_loop").attach, AttachType::none);
}

// ---- unsupported and malformed objects ----

TEST(Object, RefusesKconfigExterns) {
  REQUIRE_OBJECT(bytes, "loader_kconfig_extern");
  EXPECT_THAT(
      load_error(*bytes),
      HasSubstr("bad.o: section xdp: extern 'LINUX_KERNEL_VERSION' (kconfig) used at insn 0 "
                "of xdp/uses_kconfig is not supported"));
}

TEST(Object, RefusesTruncatedObjects) {
  REQUIRE_OBJECT(bytes, "loader_maps");
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{10}, std::size_t{64}, bytes->size() / 2, bytes->size() - 1}) {
    std::vector<std::uint8_t> truncated(bytes->begin(),
                                        bytes->begin() + static_cast<std::ptrdiff_t>(size));
    const std::string message = load_error(truncated);
    EXPECT_THAT(message, HasSubstr("bad.o")) << size;
  }
  std::vector<std::uint8_t> truncated(bytes->begin(), bytes->begin() + 100);
  EXPECT_THAT(load_error(truncated), HasSubstr("runs past the end of the file"));
}

TEST(Object, RefusesBadRelocations) {
  REQUIRE_OBJECT(bytes, "loader_maps");
  const ElfEditor original(*bytes);
  const std::uint64_t first = original.relocation(".relxdp", 0);  // packets_by_port at 0x38
  {
    ElfEditor editor(*bytes);
    editor.put(first, 0x12345670, 8);
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("bad.o: section xdp: R_BPF_64_64 relocation against 'packets_by_port' at "
                          "offset 0x12345670 is outside the section (520 bytes)"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(first, 0x3c, 8);
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("at offset 0x3c is not on an instruction boundary"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(first, 0x40, 8);
    EXPECT_THAT(load_error(editor.bytes()), HasSubstr("points into the middle of an lddw"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(first, 0x48, 8);  // insn 9: call 1
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("R_BPF_64_64 relocation against 'packets_by_port' at insn 7 of "
                          "xdp/use_maps applies to call_helper, expected lddw"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(first + 8, 3, 4);  // R_BPF_64_ABS32
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("unsupported R_BPF_64_ABS32 relocation against 'packets_by_port' at insn "
                          "5 of xdp/use_maps"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(first + 12, 9999, 4);  // symbol index
    EXPECT_THAT(load_error(editor.bytes()), HasSubstr("section .relxdp: offset 0x"));
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("relocation names symbol 9999, but the symbol "
                          "table has 26"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(original.section("xdp").offset + 0x38 + 4, 8, 4);  // the lddw's addend
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("lddw at insn 5 of xdp/use_maps refers to byte 8 of map "
                          "'packets_by_port', expected the map itself"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(editor.symbol_entry("packets_by_port") + 8, 0x99, 8);  // st_value
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("section .maps: offset 0xc0: maps 'packets_by_port' (40 bytes at 0x99) "
                          "and 'counters' (at 0xc0) overlap"));
  }
}

TEST(Object, RefusesSymbolsInMissingSections) {
  REQUIRE_OBJECT(bytes, "loader_calls");
  ElfEditor editor(*bytes);
  editor.put(editor.symbol_entry("global_helper") + 6, 300, 2);  // st_shndx
  EXPECT_THAT(
      load_error(editor.bytes()),
      HasSubstr("symbol 'global_helper' (symbol 21) is in section 300, but the object has 30 "
                "sections"));
}

TEST(Object, RefusesBadFunctionSymbols) {
  REQUIRE_OBJECT(bytes, "loader_calls");
  {
    ElfEditor editor(*bytes);
    editor.put(editor.symbol_entry("plain") + 16, 0x1000, 8);  // st_size
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("section socket: function 'plain' (4096 bytes at 0x0): runs past the end "
                          "of its section (16 bytes)"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(editor.symbol_entry("plain") + 8, 4, 8);  // st_value
    EXPECT_THAT(load_error(editor.bytes()), HasSubstr("not a whole number of 8-byte instructions"));
  }
}

TEST(Object, RefusesOverlappingSections) {
  REQUIRE_OBJECT(bytes, "loader_maps");
  ElfEditor editor(*bytes);
  const std::uint64_t maps_offset = editor.section(".maps").offset;
  editor.put(editor.header("license") + 24, maps_offset + 8, 8);  // sh_offset
  EXPECT_THAT(load_error(editor.bytes()), HasSubstr("overlap"));
  EXPECT_THAT(load_error(editor.bytes()), HasSubstr("section 7 (license)"));
}

TEST(Object, RefusesCorruptBtf) {
  REQUIRE_OBJECT(bytes, "loader_maps");
  const ElfEditor original(*bytes);
  const std::uint64_t btf = original.section(".BTF").offset;
  {
    ElfEditor editor(*bytes);
    editor.put(btf, 0x1234, 2);
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("bad.o: section .BTF: offset 0x0: bad BTF magic 0x1234"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(btf + 12, 0x7fffffff, 4);  // type_len
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("section .BTF: offset 0x8: BTF type section"));
  }
  {
    ElfEditor editor(*bytes);
    // The first type record (after the 24-byte header): its vlen raised.
    editor.put(btf + 24 + 4, editor.get(btf + 24 + 4, 4) + 0x7000, 4);
    const std::string message = load_error(editor.bytes());
    EXPECT_THAT(message, HasSubstr("section .BTF: offset 0x1c: BTF type 1 (ptr): vlen must be 0"));
  }
  {
    ElfEditor editor(*bytes);
    editor.replace(".BTF", std::string_view("pinning\0", 8), std::string_view("pinnink\0", 8));
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("section .maps: offset 0xc0: map 'counters': unknown field 'pinnink'"));
  }
  {
    ElfEditor editor(*bytes);
    editor.put(original.section(".BTF.ext").offset, 0, 2);
    EXPECT_THAT(load_error(editor.bytes()),
                HasSubstr("section .BTF.ext: offset 0x0: bad BTF.ext magic"));
  }
}

TEST(Object, RefusesBadLegacyMapSections) {
  REQUIRE_OBJECT(bytes, "loader_legacy_maps");
  ElfEditor editor(*bytes);
  editor.put(editor.header("maps") + 32, 39, 8);  // sh_size
  EXPECT_THAT(load_error(editor.bytes()),
              HasSubstr("section maps: cannot tell the size of a map record: 2 map symbols in 39 "
                        "bytes (expected records of 20 bytes or more, a multiple of 4)"));
}

TEST(Object, RefusesBadInitialValues) {
  REQUIRE_OBJECT(bytes, "loader_maps");
  ElfEditor editor(*bytes);
  // The relocation that puts tail_target in jump_table's slot 1, moved to the map's max_entries.
  editor.put(editor.relocation(".rel.maps", 2), 0x70 + 8, 8);
  EXPECT_THAT(load_error(editor.bytes()),
              HasSubstr("map 'jump_table': relocation against 'tail_target' at byte 8 of the "
                        "definition is not a slot of its __array(values, ...) initializer"));
}

// Each byte of an object (the fuzzer's seed, without DWARF) changed on its own: the loader
// refuses the object or loads it, and every message names the file.
TEST(Object, SurvivesEveryByteFlip) {
  for (const char* seed : {"maps.o", "calls.o"}) {
    Result<std::vector<std::uint8_t>> bytes = read_file(
        (xbpf::test::source_dir() / "tests" / "fuzz" / "seeds" / "loader" / seed).string());
    ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
    ASSERT_TRUE(read_object(*bytes, seed).ok());
    std::size_t refused = 0;
    for (std::size_t i = 0; i < bytes->size(); ++i) {
      std::vector<std::uint8_t> flipped = *bytes;
      flipped[i] ^= 0xff;
      Result<Object> object = read_object(std::move(flipped), "flipped.o");
      if (!object.ok()) {
        ++refused;
        EXPECT_THAT(object.error().to_string(), HasSubstr("flipped.o")) << "byte " << i;
      }
    }
    EXPECT_GT(refused, 0U) << seed;
  }
}

// ---- the benchmark programs of ../shared/bench, compiled during the build when present ----

TEST(Object, LoadsTheSharedBenchmarkPrograms) {
  const fs::path dir = programs_dir() / "bench";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "../shared/bench was not found at configure time";
  for (const char* name : {"hash", "primes", "branchy"}) {
    const fs::path path = dir / (std::string("prog_") + name + ".o");
    Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
    ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
    const Object object = load_ok(std::move(*bytes), path.filename().string());
    ASSERT_EQ(object.programs.size(), 1U);
    EXPECT_EQ(object.programs[0].name, std::string("bench_") + name);
    EXPECT_EQ(object.programs[0].type, ProgramType::xdp);
    expect_valid(object.programs[0]);
    EXPECT_EQ(object.license, "GPL");
  }
}

}  // namespace
}  // namespace xbpf::object
