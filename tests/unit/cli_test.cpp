// End-to-end: the built xbpf and xbpf-conformance-plugin, driven as a user or the
// bpf_conformance runner would drive them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "aot/image.h"
#include "isa/assembler.h"
#include "platform/platform.h"
#include "support/files.h"
#include "support/text.h"
#include "test_paths.h"
#include "testing/conformance.h"

namespace xbpf {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// ECMAScript regular expressions on every platform (GoogleTest's are POSIX or "simple").
::testing::AssertionResult Matches(const std::string& text, const std::string& pattern) {
  if (std::regex_match(text, std::regex(pattern))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not match /" << pattern << "/";
}

// A built tool's path, and its run with Windows line ends made Unix ones.
std::string tool_path(const std::string& name) {
#if defined(_WIN32)
  return (test::binary_dir() / "bin" / (name + ".exe")).string();
#else
  return (test::binary_dir() / "bin" / name).string();
#endif
}

std::string unix_lines(std::string text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

Result<platform::ProcessResult> run_tool(const std::vector<std::string>& argv,
                                         const std::string& input) {
  // Under Wine, starting a process fails now and then when many are started in a row (the
  // conformance plugin's test starts 450): a process that could not start is started again,
  // up to three times. What the tool does once it runs is never retried.
  Result<platform::ProcessResult> result = platform::run_process(argv, input);
  for (int attempt = 1; attempt < 3 && !result.ok(); ++attempt)
    result = platform::run_process(argv, input);
  if (result.ok()) {
    result->out = unix_lines(result->out);
    result->err = unix_lines(result->err);
  }
  return result;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    tool_ = tool_path("xbpf");
    if (!fs::exists(tool_)) GTEST_SKIP() << tool_ << " is not built";
    dir_ =
        fs::temp_directory_path() / ("xbpf-cli-test-" + std::to_string(platform::monotonic_ns()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }

  platform::ProcessResult xbpf(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), tool_);
    Result<platform::ProcessResult> result = run_tool(args, input);
    EXPECT_TRUE(result.ok()) << result.error().to_string();
    return result.ok() ? *result : platform::ProcessResult{};
  }

  std::string file(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::string tool_;
  fs::path dir_;
};

TEST_F(Cli, UsageAndHelp) {
  platform::ProcessResult none = xbpf({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("Usage: xbpf"));
  platform::ProcessResult help = xbpf({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Commands:"));
  for (const std::vector<std::string>& command : {std::vector<std::string>{"asm", "--help"},
                                                  {"disasm", "--help"},
                                                  {"prog", "run", "--help"}}) {
    platform::ProcessResult result = xbpf(command);
    EXPECT_EQ(result.exit_code, 0) << command[0];
    EXPECT_THAT(result.out, HasSubstr("Usage: xbpf " + command[0])) << command[0];
  }
}

TEST_F(Cli, BadCommandLinesExitTwoWithAMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string program = file("p.s", "r0 = 1\nexit\n");
  const Case cases[] = {
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"asm"}, "asm needs an input FILE"},
      {{"asm", program, "--syntax", "intel"}, "unknown syntax 'intel'"},
      {{"asm", program, "extra"}, "unexpected argument 'extra'"},
      {{"asm", program, "-o"}, "'-o' needs a value"},
      {{"disasm"}, "disasm needs an input FILE"},
      {{"prog"}, "Usage"},
      {{"prog", "load"}, "unknown prog command 'load'"},
      {{"prog", "run"}, "prog run needs a program FILE"},
      {{"prog", "run", program, "repeat", "0"}, "repeat must be a number from 1"},
      {{"prog", "run", program, "repeat", "many"}, "repeat must be a number"},
      {{"prog", "run", program, "engine", "warp"}, "unknown engine 'warp'"},
      {{"prog", "run", program, "data_in"}, "'data_in' needs a value"},
  };
  for (const Case& c : cases) {
    platform::ProcessResult result = xbpf(c.args);
    EXPECT_EQ(result.exit_code, 2) << c.args[0];
    EXPECT_THAT(result.err + result.out, HasSubstr(c.message));
  }
}

TEST_F(Cli, MissingAndMalformedFilesAreNamed) {
  platform::ProcessResult missing = xbpf({"disasm", (dir_ / "absent.o").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("absent.o: cannot open"));

  const std::string bad_asm = file("bad.s", "r0 = 1\nr0 += r11\nexit\n");
  platform::ProcessResult assembled = xbpf({"asm", bad_asm});
  EXPECT_EQ(assembled.exit_code, 2);
  EXPECT_THAT(assembled.err, HasSubstr("bad.s:2:7: expected"));

  const std::string truncated = file("cut.o", std::string("\x7f"
                                                          "ELF\x02\x01\x01",
                                                          7));
  platform::ProcessResult elf = xbpf({"disasm", truncated});
  EXPECT_EQ(elf.exit_code, 2);
  EXPECT_THAT(elf.err, HasSubstr("cut.o"));
  EXPECT_THAT(elf.err, HasSubstr("truncated ELF header"));

  const std::string odd =
      file("odd.bin", std::string("\xb7\x00\x00\x00\x01\x00\x00\x00\x95\x00\x00", 11));
  platform::ProcessResult raw = xbpf({"disasm", odd});
  EXPECT_EQ(raw.exit_code, 2);
  EXPECT_THAT(raw.err, HasSubstr("program size 11 is not a multiple of 8 bytes"));

  const std::string reserved =
      file("reserved.bin",
           std::string("\xb7\x10\x00\x00\x01\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00", 16));
  platform::ProcessResult decoded = xbpf({"prog", "run", reserved});
  EXPECT_EQ(decoded.exit_code, 2);
  EXPECT_THAT(
      decoded.err,
      HasSubstr("reserved.bin: insn 0: reserved field src must be 0 in mov64_imm (found 1)"));
}

TEST_F(Cli, AssembleDisassembleRoundTrip) {
  const std::string source = file("loop.s", R"(
    r0 = 0
    r1 = 10
  loop:
    r0 += r1
    r1 += -1
    if r1 != 0 goto loop
    exit
  )");
  const std::string binary = (dir_ / "loop.bin").string();
  ASSERT_EQ(xbpf({"asm", source, "-o", binary}).exit_code, 0);
  platform::ProcessResult listing = xbpf({"disasm", binary});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  EXPECT_THAT(listing.out, HasSubstr("       4:\t55 01 fd ff 00 00 00 00\tif r1 != 0 goto -3\n"));
  platform::ProcessResult source_again =
      xbpf({"disasm", binary, "--no-addresses", "--syntax", "conformance"});
  ASSERT_EQ(source_again.exit_code, 0);
  EXPECT_THAT(source_again.out, HasSubstr("jne %r1, 0, -3"));
  const std::string round = file("round.s", source_again.out);
  const std::string binary2 = (dir_ / "round.bin").string();
  ASSERT_EQ(xbpf({"asm", round, "-o", binary2}).exit_code, 0);
  EXPECT_EQ(*read_file(binary), *read_file(binary2));
}

TEST_F(Cli, ProgRunPrintsLikeBpftool) {
  const std::string source = file("sum.s", R"(
    r0 = 0
    if r2 == 0 goto done
    r2 += r1
  loop:
    r3 = *(u8 *)(r1 + 0)
    r0 += r3
    *(u8 *)(r1 + 0) = 1
    r1 += 1
    if r1 < r2 goto loop
  done:
    exit
  )");
  const std::string input = file("in.bin", std::string("\x01\x02\x03\x04", 4));
  const std::string output = (dir_ / "out.bin").string();
  platform::ProcessResult plain =
      xbpf({"prog", "run", source, "data_in", input, "data_out", output});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_TRUE(Matches(plain.out, "Return value: 10, duration: [0-9]+ns\n"));
  EXPECT_EQ(*read_file(output), (std::vector<std::uint8_t>{1, 1, 1, 1}));

  // Repeated runs share the data, as the kernel's test run does: the last run sees 1 1 1 1.
  platform::ProcessResult repeated = xbpf({"prog", "run", source, "data_in", input, "repeat", "3"});
  ASSERT_EQ(repeated.exit_code, 0) << repeated.err;
  EXPECT_TRUE(Matches(repeated.out, "Return value: 4, duration \\(average\\): [0-9]+ns\n"));

  platform::ProcessResult json = xbpf({"prog", "run", source, "data_in", input, "-j"});
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_TRUE(Matches(json.out, "\\{\"retval\":10,\"duration\":[0-9]+\\}\n"));
  platform::ProcessResult before =
      xbpf({"-j", "prog", "run", source, "data_in", input, "engine", "interp"});
  ASSERT_EQ(before.exit_code, 0);
  EXPECT_THAT(before.out, HasSubstr("\"retval\":10"));
  EXPECT_THAT(before.err,
              HasSubstr("warning: assembly and bytecode are not verified; running without "
                        "run-time checks"));
}

TEST_F(Cli, ProgramFaultsExitOneWithTheReport) {
  const std::string source = file("oob.s", "r0 = *(u64 *)(r1 + 2)\nexit\n");
  const std::string input = file("in.bin", "abcd");
  platform::ProcessResult result = xbpf({"prog", "run", source, "data_in", input});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("oob.s: insn 0: read of 8 bytes at"));
  EXPECT_THAT(result.err, HasSubstr("6 bytes past the end of data_in"));
}

// An object compiled from tests/programs, or a skip.
std::string program_object(const std::string& name) {
  return (test::binary_dir() / "tests" / "programs" / (name + ".v3.o")).string();
}

TEST_F(Cli, ProgShowListsProgramsAndMaps) {
  const std::string object = program_object("xdp_parser");
  if (!fs::exists(object)) GTEST_SKIP() << object << " is not built (clang missing?)";
  platform::ProcessResult shown = xbpf({"prog", "show", object});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr(": xdp  name xdp_parse  section xdp  gpl\n\tinsns "));
  EXPECT_THAT(shown.out,
              HasSubstr(": hash  name blocked_ports  flags 0x0\n\tkey 2B  value 1B  max_entries"));
  EXPECT_THAT(shown.out, HasSubstr(": percpu_array  name counters"));
  platform::ProcessResult json = xbpf({"-j", "prog", "show", object});
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_THAT(json.out, HasSubstr("\"type\":\"xdp\",\"name\":\"xdp_parse\""));
}

TEST_F(Cli, ProgRunRunsObjectsAndDumpsMaps) {
  const std::string object = program_object("cli_trace");
  if (!fs::exists(object)) GTEST_SKIP() << object << " is not built (clang missing?)";
  platform::set_environment_variable("XBPF_STATE_DIR", (dir_ / "state").string());
  const std::string packet = file("packet.bin", std::string(64, '\x11'));
  const std::string out = (dir_ / "out.bin").string();
  platform::ProcessResult run = xbpf(
      {"prog", "run", object, "data_in", packet, "data_out", out, "repeat", "3", "--dump-maps"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");  // verified: no notice, no warning
  EXPECT_TRUE(Matches(run.out,
                      "Return value: 2, duration \\(average\\): [0-9]+ns\n"
                      "map 'runs' \\(array, id [0-9]+\\):\n"
                      "key: 00 00 00 00  value: 03 00 00 00 00 00 00 00\n"
                      "Found 1 element\n"
                      "map '.rodata' \\(array, id [0-9]+\\):\n"
                      "key: 00 00 00 00  value: 68 65 6c 6c 6f 20 25 64 [^]*"));  // "hello %d"
  EXPECT_EQ(*read_file(out), std::vector<std::uint8_t>(64, 0x11));

  platform::ProcessResult json =
      xbpf({"-j", "prog", "run", object, "data_in", packet, "--dump-maps"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(
      json.out,
      HasSubstr("\"name\":\"runs\",\"type\":\"array\",\"entries\":[{\"key\":[\"0x00\",\"0x00\","
                "\"0x00\",\"0x00\"],\"value\":[\"0x01\","));

  // bpf_printk went to the trace pipe, which tracelog shows.
  platform::ProcessResult trace = xbpf({"prog", "tracelog", "--no-follow"});
  ASSERT_EQ(trace.exit_code, 0) << trace.err;
  EXPECT_TRUE(
      Matches(trace.out,
              "( *[^ ]+-[0-9]+ +\\[000\\] \\.\\.\\.\\.1 +[0-9]+\\.[0-9]{6}: bpf_trace_printk: "
              "hello 42 from xbpf\n){4}"));
}

TEST_F(Cli, ProgRunOnTheJitAndDumpJited) {
  const std::string object = program_object("cli_trace");
  if (!fs::exists(object)) GTEST_SKIP() << object << " is not built (clang missing?)";
  platform::set_environment_variable("XBPF_STATE_DIR", (dir_ / "state").string());
  const std::string packet = file("packet.bin", std::string(64, '\x11'));
  platform::ProcessResult run = xbpf(
      {"prog", "run", object, "data_in", packet, "engine", "jit", "repeat", "2", "--dump-maps"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(Matches(run.out,
                      "Return value: 2, duration \\(average\\): [0-9]+ns\n"
                      "map 'runs' \\(array, id [0-9]+\\):\n"
                      "key: 00 00 00 00  value: 02 00 00 00 00 00 00 00\n[^]*"));
  // The interpreter's hash of the same program, on the same input: the same retval.
  platform::ProcessResult raw =
      xbpf({"prog", "run", file("one.s", "r0 = 41\nr0 += 1\nexit\n"), "engine", "jit"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_TRUE(Matches(raw.out, "Return value: 42, duration: [0-9]+ns\n"));

  platform::ProcessResult dump = xbpf({"prog", "dump", "jited", object});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_TRUE(Matches(dump.out,
                      "hello \\([0-9]+ bytes of x86-64 for [0-9]+ instructions\\):\n"
                      "<entry>:\n"
                      " +0:  (41 54 49 89 f4|57 56 41 54 49) [^]*"));
  EXPECT_TRUE(Matches(dump.out, "[^]*\n; insn 0: [rw]1 = 0\n +[0-9a-f]+:  (53|55|41 5[5-7]) [^]*"));
  EXPECT_THAT(dump.out, HasSubstr("; insn 4: r1 = map_by_idx(0) ll\n"));
  EXPECT_THAT(dump.out, HasSubstr("<out-of-line>:\n"));
  platform::ProcessResult json = xbpf({"-j", "prog", "dump", "jited", object, "name", "hello"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("{\"insn\":1,\"text\":\"*(u32 *)(r10 - 4) = r1\",\"offset\":"));
  EXPECT_THAT(json.out, HasSubstr(",\"opcodes\":\"89 7d fc\"}"));  // mov [rbp - 4], edi
  platform::ProcessResult help = xbpf({"prog", "run", "--help"});
  EXPECT_THAT(help.out, HasSubstr("engine ENGINE         jit (x86-64 machine code"));

  // XBPF_JIT=off forbids executable memory: asking for the JIT fails clearly, the default
  // engine still runs.
  platform::set_environment_variable("XBPF_JIT", "off");
  platform::ProcessResult off = xbpf({"prog", "run", object, "data_in", packet, "engine", "jit"});
  platform::ProcessResult dump_off = xbpf({"prog", "dump", "jited", object});
  platform::ProcessResult fallback = xbpf({"prog", "run", object, "data_in", packet});
  platform::set_environment_variable("XBPF_JIT", "on");
  EXPECT_EQ(off.exit_code, 1);
  EXPECT_THAT(off.err, HasSubstr("the JIT is not available: XBPF_JIT=off forbids JIT compilation"));
  EXPECT_EQ(dump_off.exit_code, 1);
  EXPECT_THAT(dump_off.err, HasSubstr("the JIT is not available"));
  EXPECT_EQ(fallback.exit_code, 0) << fallback.err;
  EXPECT_THAT(fallback.out, HasSubstr("Return value: 2"));
}

TEST_F(Cli, GenNativeBuildsAnImageThatProgRunRuns) {
  const std::string object = program_object("cli_trace");
  if (!fs::exists(object)) GTEST_SKIP() << object << " is not built (clang missing?)";
  if (!aot::find_c_compiler()) GTEST_SKIP() << "no C compiler found: no native images here";
  platform::set_environment_variable("XBPF_STATE_DIR", (dir_ / "state").string());
  const std::string image =
      (dir_ / (std::string("cli_trace") + platform::shared_library_suffix())).string();
  platform::ProcessResult gen = xbpf({"gen", "native", object, "-o", image});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  EXPECT_TRUE(Matches(gen.out, "wrote .*: [0-9]+ programs?, contract [0-9a-f]{64}\n"));
  const std::string packet = file("packet.bin", std::string(64, '\x11'));
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"image", image}, std::vector<std::string>{}}) {
    std::vector<std::string> args = {"prog",   "run",    object,   "data_in", packet,
                                     "engine", "native", "repeat", "2",       "--dump-maps"};
    args.insert(args.end(), extra.begin(), extra.end());
    platform::ProcessResult run = xbpf(args);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(Matches(run.out,
                        "Return value: 2, duration \\(average\\): [0-9]+ns\n"
                        "map 'runs' \\(array, id [0-9]+\\):\n"
                        "key: 00 00 00 00  value: 02 00 00 00 00 00 00 00\n[^]*"));
  }
  // An image of another object's bytecode is refused.
  const std::string other = program_object("xdp_actions");
  if (fs::exists(other)) {
    platform::ProcessResult wrong =
        xbpf({"prog", "run", other, "data_in", packet, "engine", "native", "image", image});
    EXPECT_NE(wrong.exit_code, 0);
  }
}

TEST_F(Cli, GenNativeRefusesProgramsTheVerifierRejects) {
  const std::string object = program_object("xdp_fault");
  if (!fs::exists(object)) GTEST_SKIP() << object << " is not built (clang missing?)";
  platform::ProcessResult gen = xbpf({"gen", "native", object, "-o", (dir_ / "fault.so").string()});
  EXPECT_EQ(gen.exit_code, 1);
  EXPECT_THAT(gen.err, HasSubstr("refusing to compile a program the verifier rejects"));
  EXPECT_THAT(gen.err, HasSubstr("not proven inside the packet"));
  EXPECT_FALSE(fs::exists(dir_ / "fault.so"));
}

TEST_F(Cli, ProgRunRefusesBadObjectInput) {
  const std::string object = program_object("cli_trace");
  if (!fs::exists(object)) GTEST_SKIP() << object << " is not built (clang missing?)";
  const std::string tiny = file("tiny.bin", "abc");
  platform::ProcessResult short_packet = xbpf({"prog", "run", object, "data_in", tiny});
  EXPECT_EQ(short_packet.exit_code, 2);
  EXPECT_THAT(short_packet.err,
              HasSubstr("data_in must hold at least an Ethernet header (14 bytes)"));
  platform::ProcessResult no_such = xbpf({"prog", "run", object, "name", "nope"});
  EXPECT_EQ(no_such.exit_code, 2);
  EXPECT_THAT(no_such.err, HasSubstr("no program named 'nope' (programs: xdp/hello)"));
  platform::ProcessResult bad_type = xbpf({"prog", "run", object, "--type", "frobnicator"});
  EXPECT_EQ(bad_type.exit_code, 2);
  EXPECT_THAT(bad_type.err, HasSubstr("unknown program type 'frobnicator' (known: "));
}

TEST_F(Cli, ProgramsThatCannotLoadAreNamedAndTheOthersWork) {
  const std::string object = program_object("loader_mixed");
  if (!fs::exists(object)) GTEST_SKIP() << object << " is not built (clang missing?)";
  // verify: each program on its own; one that cannot load is an ERROR line, and exit 2.
  platform::ProcessResult verify = xbpf({"verify", object});
  EXPECT_EQ(verify.exit_code, 2);
  EXPECT_THAT(verify.out, HasSubstr("PASS xdp/good ("));
  EXPECT_THAT(verify.out, HasSubstr("ERROR xdp/uses_kconfig: "));
  EXPECT_THAT(verify.out, HasSubstr("extern 'LINUX_KERNEL_VERSION' (kconfig) used at insn 0"));
  EXPECT_THAT(verify.out, HasSubstr("ERROR from-netdev/old_section: "));
  platform::ProcessResult typed =
      xbpf({"verify", object, "section", "from-netdev", "--type", "xdp"});
  EXPECT_EQ(typed.exit_code, 0) << typed.out << typed.err;
  EXPECT_THAT(typed.out, HasSubstr("PASS from-netdev/old_section ("));
  // prog show lists them, with the reason.
  platform::ProcessResult shown = xbpf({"prog", "show", object});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr(": xdp  name good  section xdp"));
  EXPECT_THAT(shown.out, HasSubstr("-: not loaded  name uses_kconfig  section xdp\n\t"));
  platform::ProcessResult json = xbpf({"-j", "prog", "show", object});
  EXPECT_THAT(json.out,
              HasSubstr("\"not_loaded\":[{\"name\":\"uses_kconfig\",\"section\":\"xdp\""));
  // The one that loads runs; the one that cannot says why.
  const std::string packet = file("packet.bin", std::string(64, '\x11'));
  platform::ProcessResult run = xbpf({"prog", "run", object, "name", "good", "data_in", packet});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Return value: 2"));
  platform::ProcessResult refused =
      xbpf({"prog", "run", object, "name", "uses_kconfig", "data_in", packet});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("program 'uses_kconfig' cannot be loaded: extern "
                                     "'LINUX_KERNEL_VERSION' (kconfig)"));
  platform::ProcessResult ambiguous = xbpf({"prog", "run", object, "data_in", packet});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_THAT(ambiguous.err, HasSubstr("xdp/uses_kconfig (not loaded)"));
}

TEST_F(Cli, DisasmInterleavesSource) {
  const std::string object = program_object("cli_trace");
  if (!fs::exists(object)) GTEST_SKIP() << object << " is not built (clang missing?)";
  platform::ProcessResult listing = xbpf({"disasm", "-S", object});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  EXPECT_THAT(listing.out,
              HasSubstr(";   __u64 *count = bpf_map_lookup_elem(&runs, &key);\n"
                        "       4:\t18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00\tr1 = 0 ll\n"));
  EXPECT_THAT(listing.out, HasSubstr(";   if (count) __sync_fetch_and_add(count, 1);\n"));
}

// The plugin protocol, as the bpf_conformance runner speaks it, over the public suite.
TEST(ConformancePlugin, PassesThePublicSuiteThroughItsProtocol) {
  const std::string plugin = tool_path("xbpf-conformance-plugin");
  if (!fs::exists(plugin)) GTEST_SKIP() << plugin << " is not built";
  const std::optional<fs::path> shared = test::shared_dir();
  if (!shared || !fs::is_directory(*shared / "conformance")) {
    GTEST_SKIP()
        << "the public conformance suite (../shared/conformance or $XBPF_SHARED_DIR) is absent";
  }
  auto encode = [](std::span<const std::uint8_t> bytes) {
    std::string text;
    char buf[8];
    for (std::uint8_t b : bytes) {
      std::snprintf(buf, sizeof buf, "%02x  ", b);
      text += buf;
    }
    return text;
  };
  for (const char* engine : {"", "jit"}) {
    SCOPED_TRACE(std::string("engine ") + (*engine ? engine : "(default)"));
    int checked = 0;
    for (const fs::directory_entry& entry : fs::directory_iterator(*shared / "conformance")) {
      if (entry.path().extension() != ".data") continue;
      Result<testing::ConformanceTest> test =
          testing::parse_conformance(*read_text_file(entry.path().string()), entry.path().string());
      ASSERT_TRUE(test.ok()) << test.error().to_string();
      std::vector<std::uint8_t> program;
      if (!test->assembly.empty()) {
        isa::AssembleOptions options;
        options.syntax = isa::Syntax::conformance;
        Result<std::vector<isa::Instruction>> assembled = isa::assemble(test->assembly, options);
        ASSERT_TRUE(assembled.ok()) << entry.path() << ": " << assembled.error().to_string();
        program = isa::encode(*assembled);
      } else {
        program = *test->raw;
      }
      std::vector<std::string> argv = {plugin};
      if (*engine) argv.insert(argv.end(), {"--engine", engine});
      if (!test->memory.empty()) argv.push_back(encode(test->memory));
      Result<platform::ProcessResult> run = run_tool(argv, encode(program));
      ASSERT_TRUE(run.ok()) << entry.path() << ": " << run.error().to_string();
      if (test->result) {
        EXPECT_EQ(run->exit_code, 0) << entry.path() << ": " << run->err;
        std::optional<ParsedNumber> r0 = parse_number("0x" + std::string(trim(run->out)));
        ASSERT_TRUE(r0) << entry.path() << ": " << run->out;
        EXPECT_EQ(r0->magnitude, *test->result) << entry.path();
      } else {
        EXPECT_NE(run->exit_code, 0) << entry.path();
      }
      ++checked;
    }
    EXPECT_EQ(checked, 225);
  }
}

TEST(ConformancePlugin, ReportsBadInput) {
  const std::string plugin = tool_path("xbpf-conformance-plugin");
  if (!fs::exists(plugin)) GTEST_SKIP() << plugin << " is not built";
  Result<platform::ProcessResult> bad_hex = run_tool({plugin}, "zz");
  ASSERT_TRUE(bad_hex.ok());
  EXPECT_EQ(bad_hex->exit_code, 1);
  EXPECT_THAT(bad_hex->err, HasSubstr("not hex bytes"));
  Result<platform::ProcessResult> unknown = run_tool({plugin}, "ff  00  00  00  00  00  00  00  ");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->exit_code, 1);
  EXPECT_THAT(unknown->err, HasSubstr("unknown opcode 0xff"));
  Result<platform::ProcessResult> no_main = run_tool({plugin, "--elf"}, "7f  45  4c  46  ");
  ASSERT_TRUE(no_main.ok());
  EXPECT_EQ(no_main->exit_code, 1);
  EXPECT_THAT(no_main->err, HasSubstr("truncated ELF header"));
}

}  // namespace
}  // namespace xbpf
