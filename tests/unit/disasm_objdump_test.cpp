// `xbpf disasm` prints what `llvm-objdump -d` prints, for every instruction of every eBPF
// object compiled from tests/programs/ during the build (NAME.v1.o .. NAME.v4.o).
//
// The reference is LLVM 19's llvm-objdump (-dr --no-print-imm-hex). LLVM 14 (Debian's default
// llvm-objdump) agrees with LLVM 19 on every v1-v3 object, but it predates -mcpu=v4: it prints
// `<unknown>` for sign-extending loads, bswap, gotol, stores of immediates (BPF_ST) and 32-bit
// modulo, and silently wrong text for the v4 forms that share an opcode with an older one
// (movsx as a plain move `r1 = r1`, sdiv/smod as unsigned `/=`, callx naming the imm field
// `callx r0` instead of dst). So LLVM 14 is compared on the v1-v3 objects, and on the v4
// objects its differences from LLVM 19 are checked to be exactly those forms.
//
// The listing is compared line by line: file and section headers, symbol headers, addresses,
// bytes, instruction text and the ` <sym+0x..>` branch annotations. Deliberate differences,
// each checked precisely:
//   - 32-bit atomics: without --mattr=+alu32 LLVM prints `<unknown>` for all but the plain add,
//     so those lines are compared with the --mattr=+alu32 run. The plain run also misprints
//     the 32-bit fetch-add as the plain add (its non-alu32 XADDW encoding ignores the fetch
//     bit); that line is checked to be exactly that misprint and compared with the alu32 run.
//   - local calls (src=1): LLVM prints the raw imm (`call -1`); xbpf prints `call NAME` when a
//     relocation names the target (NAME is the relocation's symbol, or for a relocation
//     against a section symbol the function at section + (imm + 1) slots, which is where libbpf
//     sends the call) and `call pc+N` otherwise.
//   - `call btf_id N` (src=2: LLVM prints `call N`), lddw with a pseudo source (src 1-6: LLVM
//     prints `ld_pseudo rD, SRC, IMM` and drops the second immediate), and ld_ind with a
//     nonzero imm (LLVM prints `skb[rS]` and drops the imm). clang emits none of these;
//     EveryFormMatchesLlvm19 meets them in a hand-made object holding a sample of every row of
//     the opcode table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "instruction_samples.h"
#include "isa/assembler.h"
#include "isa/disassembler.h"
#include "isa/instruction.h"
#include "isa/syntax.h"
#include "object/elf.h"
#include "platform/platform.h"
#include "support/files.h"
#include "support/text.h"
#include "test_paths.h"

namespace xbpf {
namespace {

namespace fs = std::filesystem;

// A program on PATH (posix_spawn does not search it), or the path in `override_variable`.
std::optional<fs::path> find_program(const std::string& name, const char* override_variable) {
  if (std::optional<std::string> set = platform::environment_variable(override_variable)) {
    if (fs::exists(*set)) return fs::path(*set);
    return std::nullopt;
  }
  const std::string path = platform::environment_variable("PATH").value_or("/usr/bin:/bin");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const fs::path candidate = fs::path(path.substr(start, end - start)) / name;
    if (end > start && fs::exists(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

fs::path programs_dir() { return test::binary_dir() / "tests" / "programs"; }

// "NAME.v3.o" -> 3 (0 when the name has no CPU version).
int cpu_version(const fs::path& object) {
  const std::string stem = object.stem().string();  // NAME.v3
  const std::size_t dot = stem.rfind(".v");
  if (dot == std::string::npos || dot + 3 != stem.size()) return 0;
  const char digit = stem.back();
  return digit >= '1' && digit <= '9' ? digit - '0' : 0;
}

// The compiled objects (NAME.vN.o), sorted by name.
std::vector<fs::path> compiled_objects() {
  std::vector<fs::path> objects;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(programs_dir(), error)) {
    if (entry.path().extension() == ".o" && cpu_version(entry.path()) != 0) {
      objects.push_back(entry.path());
    }
  }
  std::sort(objects.begin(), objects.end());
  return objects;
}

// Why the comparison cannot run here, if it cannot.
std::optional<std::string> skip_reason() {
#ifdef _WIN32
  return "llvm-objdump and the compiled objects are host tools (Windows build, runs under Wine)";
#else
  if (compiled_objects().empty()) {
    return "no compiled eBPF programs in " + programs_dir().string() +
           " (clang or libbpf-dev missing at configure time)";
  }
  if (!find_program("llvm-objdump-19", "XBPF_LLVM_OBJDUMP")) {
    return "llvm-objdump-19 not found on PATH (install llvm-19, or set XBPF_LLVM_OBJDUMP)";
  }
  if (!fs::exists(test::binary_dir() / "bin" / "xbpf")) {
    return "xbpf not built in " + (test::binary_dir() / "bin").string();
  }
  return std::nullopt;
#endif
}

std::string run(const std::vector<std::string>& argv) {
  Result<platform::ProcessResult> result = platform::run_process(argv, "");
  if (!result) {
    ADD_FAILURE() << result.error().to_string();
    return "";
  }
  if (result->exit_code != 0) {
    std::string command;
    for (const std::string& arg : argv) command += arg + " ";
    ADD_FAILURE() << command << "exited with " << result->exit_code << ": " << result->err;
  }
  return result->out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::string_view line : split_lines(text)) lines.emplace_back(line);
  return lines;
}

// "      12:\t<bytes>\t<text>" split in three; nullopt for other lines.
struct InsnLine {
  std::string address;  // "      12:"
  std::string bytes;    // "61 17 04 00 00 00 00 00"
  std::string text;
};

std::optional<InsnLine> parse_insn_line(const std::string& line) {
  const std::size_t colon = line.find(":\t");
  if (colon == std::string::npos || line.empty() || line[0] != ' ') return std::nullopt;
  const std::size_t tab = line.find('\t', colon + 2);
  if (tab == std::string::npos) return std::nullopt;
  return InsnLine{line.substr(0, colon + 1), line.substr(colon + 2, tab - colon - 2),
                  line.substr(tab + 1)};
}

struct Relocation {
  std::string type;    // R_BPF_64_32
  std::string symbol;  // as llvm-objdump -r names it (the section name for section symbols)
};

// llvm-objdump -dr output without its relocation lines, with the relocations of each line.
struct Listing {
  std::vector<std::string> lines;
  std::map<std::size_t, std::vector<Relocation>> relocations;          // by index into lines
  std::set<std::string> sections;                                      // disassembled sections
  std::map<std::string, std::map<std::uint64_t, std::string>> labels;  // section -> offset
};

Listing parse_listing(const std::string& text) {
  Listing listing;
  std::string section;
  for (const std::string& line : lines_of(text)) {
    if (starts_with(line, "\t\t")) {  // "\t\t0000000000000028:  R_BPF_64_32\t.text"
      // LLVM 19 also prints the CO-RE records of .BTF.ext ("CO-RE <byte_off> [2] struct
      // __sk_buff::len (0:0)"); they are not ELF relocations and xbpf disasm does not list them.
      if (line.find("  CO-RE <") != std::string::npos) continue;
      const std::size_t type_at = line.find("R_BPF_");
      const std::size_t tab = line.find('\t', type_at);
      EXPECT_TRUE(type_at != std::string::npos && tab != std::string::npos &&
                  !listing.lines.empty())
          << "relocation line: " << line;
      if (type_at == std::string::npos || tab == std::string::npos || listing.lines.empty()) {
        continue;
      }
      listing.relocations[listing.lines.size() - 1].push_back(
          {line.substr(type_at, tab - type_at), line.substr(tab + 1)});
      continue;
    }
    constexpr std::string_view kSection = "Disassembly of section ";
    if (starts_with(line, kSection) && line.back() == ':') {
      section = line.substr(kSection.size(), line.size() - kSection.size() - 1);
      listing.sections.insert(section);
    } else if (line.size() > 20 && line[16] == ' ' && line[17] == '<' &&
               line.substr(line.size() - 2) == ">:") {  // "0000000000000100 <swaps>:"
      const std::uint64_t offset = std::stoull(line.substr(0, 16), nullptr, 16);
      listing.labels[section].emplace(offset, line.substr(18, line.size() - 20));
    }
    listing.lines.push_back(line);
  }
  return listing;
}

isa::Instruction decode_bytes(const std::string& hex) {
  std::optional<std::vector<std::uint8_t>> bytes = parse_hex_bytes(hex);
  EXPECT_TRUE(bytes.has_value()) << hex;
  if (!bytes) return {};
  Result<std::vector<isa::Instruction>> decoded = isa::decode(*bytes);
  EXPECT_TRUE(decoded.ok() && decoded->size() == 1) << hex;
  if (!decoded || decoded->size() != 1) return {};
  return decoded->front();
}

std::string reg(unsigned number) { return "r" + std::to_string(number); }

// LLVM 19 prints lddw with a pseudo source as "ld_pseudo\trD, SRC, IMM" (imm unsigned, the
// second immediate dropped).
std::string pseudo_lddw_text(const isa::Instruction& insn) {
  return "ld_pseudo\t" + reg(insn.dst) + ", " + std::to_string(insn.src) + ", " +
         std::to_string(static_cast<std::uint32_t>(insn.imm));
}

// How each instruction line was compared, for the summary.
struct Tally {
  std::size_t objects = 0;
  std::size_t instructions = 0;
  std::size_t exact = 0;
  std::size_t alu32_unknown = 0;     // `<unknown>` without --mattr=+alu32
  std::size_t alu32_fetch_add = 0;   // plain run misprints the 32-bit fetch-add
  std::size_t call_relocated = 0;    // `call NAME` from a relocation
  std::size_t call_section = 0;      // ... against a section symbol
  std::size_t call_relative = 0;     // `call pc+N`
  std::size_t other_deliberate = 0;  // call btf_id, pseudo lddw, ldind with imm
  std::size_t gotol = 0;
};

// Compares xbpf's listing of `object` with `objdump`'s, line by line.
void compare_listing(const fs::path& object, const fs::path& objdump, Tally& tally) {
  SCOPED_TRACE(object.string() + " vs " + objdump.string());
  const std::string path = object.string();
  const Listing plain = parse_listing(run({objdump.string(), "-dr", "--no-print-imm-hex", path}));
  const std::vector<std::string> alu32 =
      lines_of(run({objdump.string(), "-d", "--no-print-imm-hex", "--mattr=+alu32", path}));
  const std::vector<std::string> ours =
      lines_of(run({(test::binary_dir() / "bin" / "xbpf").string(), "disasm", path}));
  ASSERT_EQ(plain.lines.size(), alu32.size()) << "the --mattr=+alu32 listing has other lines";
  ASSERT_EQ(ours.size(), plain.lines.size()) << "xbpf's listing has a different line count";
  ++tally.objects;

  int failures = 0;
  std::string section;
  for (std::size_t i = 0; i < ours.size() && failures < 20; ++i) {
    const std::string& theirs = plain.lines[i];
    const std::string where = path + " line " + std::to_string(i + 1) + ": ";
    if (starts_with(theirs, "Disassembly of section ")) {
      section = theirs.substr(23, theirs.size() - 24);
    }
    const std::optional<InsnLine> want = parse_insn_line(theirs);
    const std::optional<InsnLine> got = parse_insn_line(ours[i]);
    if (!want) {
      if (ours[i] != theirs) ++failures;
      EXPECT_EQ(ours[i], theirs) << where << "listing lines differ";
      continue;
    }
    if (!got || got->address != want->address || got->bytes != want->bytes) {
      ++failures;
      ADD_FAILURE() << where << "instruction address or bytes differ:\n  llvm: " << theirs
                    << "\n  xbpf: " << ours[i];
      continue;
    }
    ++tally.instructions;
    const isa::Instruction insn = decode_bytes(want->bytes);
    const isa::OpInfo& row = insn.info();
    std::string expected_ours = want->text;
    const std::optional<InsnLine> with_alu32 = parse_insn_line(alu32[i]);
    ASSERT_TRUE(with_alu32 && with_alu32->bytes == want->bytes) << where << alu32[i];

    if (row.group == isa::Group::atomic32 && want->text == "<unknown>") {
      // LLVM knows these only with alu32.
      expected_ours = with_alu32->text;
      ++tally.alu32_unknown;
    } else if (row.op == isa::Op::atomic32_fetch_add) {
      // The plain run decodes it as the non-fetching add (LLVM's XADDW ignores the fetch bit).
      EXPECT_EQ(want->text,
                isa::format(isa::make(isa::Op::atomic32_add, insn.dst, insn.src, insn.off, 0),
                            isa::Syntax::llvm))
          << where << "LLVM's known misprint of the 32-bit fetch-add changed";
      expected_ours = with_alu32->text;
      ++tally.alu32_fetch_add;
    } else if (row.form == isa::Form::call_local) {
      EXPECT_EQ(want->text, "call " + std::to_string(insn.imm)) << where;
      auto relocations = plain.relocations.find(i);
      if (relocations != plain.relocations.end()) {
        ASSERT_EQ(relocations->second.size(), 1U) << where;
        const Relocation& relocation = relocations->second.front();
        EXPECT_EQ(relocation.type, "R_BPF_64_32") << where;
        std::string name = relocation.symbol;
        if (plain.sections.count(relocation.symbol) != 0) {
          // Against a section symbol: the target is imm + 1 slots into that section.
          const std::uint64_t offset =
              (static_cast<std::uint64_t>(static_cast<std::int64_t>(insn.imm) + 1)) *
              isa::kSlotSize;
          auto labels = plain.labels.find(relocation.symbol);
          ASSERT_NE(labels, plain.labels.end()) << where;
          auto label = labels->second.find(offset);
          ASSERT_NE(label, labels->second.end())
              << where << "no symbol at " << relocation.symbol << "+" << to_hex(offset);
          name = label->second;
          ++tally.call_section;
        } else {
          ++tally.call_relocated;
        }
        expected_ours = "call " + name;
      } else {
        const std::int64_t imm = insn.imm;
        expected_ours =
            "call pc" + std::string(imm < 0 ? "-" : "+") + std::to_string(imm < 0 ? -imm : imm);
        ++tally.call_relative;
      }
    } else if (row.form == isa::Form::call_btf) {
      EXPECT_EQ(want->text, "call " + std::to_string(insn.imm)) << where;
      expected_ours = "call btf_id " + std::to_string(insn.imm);
      ++tally.other_deliberate;
    } else if (row.form == isa::Form::lddw && row.sem != isa::Sem::imm64) {
      EXPECT_EQ(want->text, pseudo_lddw_text(insn)) << where;
      expected_ours = isa::format(insn, isa::Syntax::llvm);
      ++tally.other_deliberate;
    } else if (row.form == isa::Form::ld_ind && insn.imm != 0) {
      const std::string width = std::to_string(row.width);
      EXPECT_EQ(want->text, "r0 = *(u" + width + " *)skb[" + reg(insn.src) + "]") << where;
      expected_ours = isa::format(insn, isa::Syntax::llvm);
      ++tally.other_deliberate;
    } else {
      ++tally.exact;
      if (row.op == isa::Op::gotol) ++tally.gotol;
    }
    if (got->text != expected_ours) ++failures;
    EXPECT_EQ(got->text, expected_ours) << where << "llvm-objdump printed '" << want->text << "'";
  }
}

TEST(DisasmObjdump, MatchesLlvm19OnEveryCompiledObject) {
  if (std::optional<std::string> reason = skip_reason()) GTEST_SKIP() << *reason;
  const fs::path objdump = *find_program("llvm-objdump-19", "XBPF_LLVM_OBJDUMP");
  Tally tally;
  std::set<int> cpus;
  for (const fs::path& object : compiled_objects()) {
    compare_listing(object, objdump, tally);
    cpus.insert(cpu_version(object));
  }
  std::printf(
      "[ compared ] %zu objects, %zu instructions: %zu exact (%zu gotol), %zu 32-bit atomics "
      "from --mattr=+alu32 (+%zu fetch-add), local calls: %zu named by relocation, %zu by "
      "section relocation, %zu pc-relative; %zu other deliberate\n",
      tally.objects, tally.instructions, tally.exact, tally.gotol, tally.alu32_unknown,
      tally.alu32_fetch_add, tally.call_relocated, tally.call_section, tally.call_relative,
      tally.other_deliberate);
  // The build compiles every program for v1-v3 (clang) and v4 (clang-19); all four should be
  // here on a machine that has llvm-objdump-19.
  EXPECT_EQ(cpus, (std::set<int>{1, 2, 3, 4}));
  // The corpus exercises what the comparison is about.
  EXPECT_GT(tally.instructions, 1000U);
  EXPECT_GT(tally.alu32_unknown, 0U);
  EXPECT_GT(tally.call_relocated, 0U);
  EXPECT_GT(tally.call_section, 0U);
  EXPECT_GT(tally.call_relative, 0U);
  EXPECT_GT(tally.gotol, 0U);
}

// LLVM 14 agrees on everything it can decode: the v1-v3 objects.
TEST(DisasmObjdump, MatchesLlvm14OnV1ToV3Objects) {
  if (std::optional<std::string> reason = skip_reason()) GTEST_SKIP() << *reason;
  const std::optional<fs::path> objdump = find_program("llvm-objdump", "XBPF_LLVM_OBJDUMP_14");
  if (!objdump) GTEST_SKIP() << "llvm-objdump not found on PATH";
  Tally tally;
  for (const fs::path& object : compiled_objects()) {
    if (cpu_version(object) >= 1 && cpu_version(object) <= 3) {
      compare_listing(object, *objdump, tally);
    }
  }
  EXPECT_GT(tally.instructions, 1000U);
}

// On v4 objects LLVM 14 differs from LLVM 19 only on v4 instruction forms, which is why LLVM 19
// is the reference.
TEST(DisasmObjdump, Llvm14MisprintsOnlyV4Forms) {
  if (std::optional<std::string> reason = skip_reason()) GTEST_SKIP() << *reason;
  const std::optional<fs::path> old_objdump = find_program("llvm-objdump", "XBPF_LLVM_OBJDUMP_14");
  if (!old_objdump) GTEST_SKIP() << "llvm-objdump not found on PATH";
  const fs::path objdump = *find_program("llvm-objdump-19", "XBPF_LLVM_OBJDUMP");
  const std::set<isa::Op> v4_forms = {
      isa::Op::sdiv32_imm, isa::Op::sdiv32_reg, isa::Op::sdiv64_imm, isa::Op::sdiv64_reg,
      isa::Op::smod32_imm, isa::Op::smod32_reg, isa::Op::smod64_imm, isa::Op::smod64_reg,
      isa::Op::movsx32_8, isa::Op::movsx32_16, isa::Op::movsx64_8, isa::Op::movsx64_16,
      isa::Op::movsx64_32, isa::Op::ldxsb, isa::Op::ldxsh, isa::Op::ldxsw, isa::Op::bswap16,
      isa::Op::bswap32, isa::Op::bswap64, isa::Op::gotol, isa::Op::callx,
      // LLVM 14 decodes no BPF_ST and no 32-bit modulo; clang emits them
      // only from v4 on.
      isa::Op::stb, isa::Op::sth, isa::Op::stw, isa::Op::stdw, isa::Op::mod32_imm,
      isa::Op::mod32_reg};
  std::set<isa::Op> misprinted;
  for (const fs::path& object : compiled_objects()) {
    if (cpu_version(object) != 4) continue;
    const std::vector<std::string> old_lines =
        lines_of(run({old_objdump->string(), "-d", "--no-print-imm-hex", object.string()}));
    const std::vector<std::string> new_lines =
        lines_of(run({objdump.string(), "-d", "--no-print-imm-hex", object.string()}));
    ASSERT_EQ(old_lines.size(), new_lines.size()) << object;
    for (std::size_t i = 0; i < old_lines.size(); ++i) {
      if (old_lines[i] == new_lines[i]) continue;
      const std::optional<InsnLine> line = parse_insn_line(new_lines[i]);
      ASSERT_TRUE(line) << object << ": " << old_lines[i] << " / " << new_lines[i];
      const isa::Op op = decode_bytes(line->bytes).op;
      misprinted.insert(op);
      EXPECT_TRUE(v4_forms.count(op) != 0 || isa::info(op).group == isa::Group::atomic32)
          << object << ": LLVM 14 prints '" << old_lines[i] << "' for " << isa::info(op).name;
    }
  }
  // The v4 objects do contain v4 forms that LLVM 14 cannot print.
  EXPECT_TRUE(misprinted.count(isa::Op::movsx64_32) != 0 && misprinted.count(isa::Op::callx) != 0);
}

// A relocatable ELF64 object for EM_BPF with the program as its only section, ".text".
std::vector<std::uint8_t> minimal_object(const std::vector<std::uint8_t>& code) {
  const std::string names = std::string("\0.text\0.shstrtab\0", 17);
  std::vector<std::uint8_t> out(64, 0);
  auto put = [&out](std::size_t at, std::uint64_t value, int size) {
    for (int i = 0; i < size; ++i) out[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
  };
  const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  std::copy(std::begin(ident), std::end(ident), out.begin());
  put(16, 1, 2);    // ET_REL
  put(18, 247, 2);  // EM_BPF
  put(20, 1, 4);    // EV_CURRENT
  const std::size_t code_at = out.size();
  out.insert(out.end(), code.begin(), code.end());
  const std::size_t names_at = out.size();
  out.insert(out.end(), names.begin(), names.end());
  while (out.size() % 8 != 0) out.push_back(0);
  const std::size_t headers_at = out.size();
  out.resize(out.size() + 3 * 64, 0);
  put(40, headers_at, 8);  // e_shoff
  put(52, 64, 2);          // e_ehsize
  put(58, 64, 2);          // e_shentsize
  put(60, 3, 2);           // e_shnum
  put(62, 2, 2);           // e_shstrndx
  const std::size_t text = headers_at + 64;
  put(text + 0, 1, 4);             // name ".text"
  put(text + 4, 1, 4);             // SHT_PROGBITS
  put(text + 8, 0x6, 8);           // SHF_ALLOC | SHF_EXECINSTR
  put(text + 24, code_at, 8);      // offset
  put(text + 32, code.size(), 8);  // size
  put(text + 48, 8, 8);            // alignment
  const std::size_t shstrtab = headers_at + 128;
  put(shstrtab + 0, 7, 4);              // name ".shstrtab"
  put(shstrtab + 4, 3, 4);              // SHT_STRTAB
  put(shstrtab + 24, names_at, 8);      // offset
  put(shstrtab + 32, names.size(), 8);  // size
  put(shstrtab + 48, 1, 8);
  return out;
}

// LLVM's text without the " <sym+0x..>" branch annotation.
std::string without_annotation(const std::string& text) {
  const std::size_t at = text.rfind(" <");
  if (at == std::string::npos || text.back() != '>') return text;
  return text.substr(0, at);
}

// Beyond the compiled corpus: every sample of every row of the opcode table (see
// instruction_samples.h), in a minimal object, printed by LLVM 19 and by isa::format. The same
// deliberate differences apply, and LLVM prints every other form exactly as xbpf does.
TEST(DisasmObjdump, EveryFormMatchesLlvm19) {
  if (std::optional<std::string> reason = skip_reason()) GTEST_SKIP() << *reason;
  const fs::path objdump = *find_program("llvm-objdump-19", "XBPF_LLVM_OBJDUMP");
  const std::vector<isa::Instruction> samples = test::all_instruction_samples();
  const fs::path path = test::binary_dir() / "tests" / "every_form.test.o";
  ASSERT_TRUE(write_file(path.string(), minimal_object(isa::encode(samples))).ok());
  const std::vector<std::string> plain =
      lines_of(run({objdump.string(), "-d", "--no-print-imm-hex", path.string()}));
  const std::vector<std::string> alu32 = lines_of(
      run({objdump.string(), "-d", "--no-print-imm-hex", "--mattr=+alu32", path.string()}));
  std::vector<InsnLine> theirs, theirs_alu32;
  for (const std::string& line : plain) {
    if (std::optional<InsnLine> insn = parse_insn_line(line)) theirs.push_back(*insn);
  }
  for (const std::string& line : alu32) {
    if (std::optional<InsnLine> insn = parse_insn_line(line)) theirs_alu32.push_back(*insn);
  }
  ASSERT_EQ(theirs.size(), samples.size());
  ASSERT_EQ(theirs_alu32.size(), samples.size());
  std::set<isa::Op> exact;
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const isa::Instruction& insn = samples[i];
    const isa::OpInfo& row = insn.info();
    const std::string ours = isa::format(insn, isa::Syntax::llvm);
    const std::string want = without_annotation(theirs[i].text);
    const std::string want_alu32 = without_annotation(theirs_alu32[i].text);
    bytes.clear();
    isa::encode(insn, bytes);
    ASSERT_EQ(theirs[i].bytes, hex_bytes(bytes)) << row.name;
    SCOPED_TRACE(std::string(row.name) + ": xbpf '" + ours + "', llvm '" + want + "'");
    if (row.group == isa::Group::atomic32 && want == "<unknown>") {
      EXPECT_EQ(ours, want_alu32);
    } else if (row.op == isa::Op::atomic32_fetch_add) {
      EXPECT_EQ(want, isa::format(isa::make(isa::Op::atomic32_add, insn.dst, insn.src, insn.off),
                                  isa::Syntax::llvm));
      EXPECT_EQ(ours, want_alu32);
    } else if (row.form == isa::Form::call_local || row.form == isa::Form::call_btf) {
      EXPECT_EQ(want, "call " + std::to_string(insn.imm));
    } else if (row.form == isa::Form::lddw && row.sem != isa::Sem::imm64) {
      EXPECT_EQ(want, pseudo_lddw_text(insn));
    } else if (row.form == isa::Form::ld_ind && insn.imm != 0) {
      EXPECT_EQ(want, "r0 = *(u" + std::to_string(row.width) + " *)skb[" + reg(insn.src) + "]");
    } else {
      EXPECT_EQ(ours, want);
      exact.insert(row.op);
    }
  }
  std::printf("[ compared ] %zu samples of %zu forms, %zu forms printed exactly as LLVM 19\n",
              samples.size(), isa::kOpCount, exact.size());
  std::error_code ignored;
  fs::remove(path, ignored);
}

// The compiled corpus round-trips through both syntaxes: every instruction alone, and every
// section as a re-assemblable listing (labels from the symbols).
TEST(DisasmObjdump, CompiledObjectsRoundTripThroughTheAssembler) {
  const std::vector<fs::path> objects = compiled_objects();
  if (objects.empty()) GTEST_SKIP() << "no compiled eBPF programs in " << programs_dir();
  std::size_t instructions = 0;
  for (const fs::path& path : objects) {
    Result<std::vector<std::uint8_t>> bytes = read_file(path.string());
    ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
    Result<object::ElfFile> elf = object::ElfFile::parse(std::move(*bytes), path.string());
    ASSERT_TRUE(elf.ok()) << elf.error().to_string();
    for (const object::ElfSection& section : elf->sections()) {
      if (!section.executable() || section.size == 0) continue;
      Result<std::vector<isa::Instruction>> program = isa::decode(section.data);
      ASSERT_TRUE(program.ok()) << path << " " << section.name << ": "
                                << program.error().to_string();
      isa::ListingOptions options;
      options.addresses = false;
      for (const object::ElfSymbol& symbol : elf->symbols()) {
        if (symbol.section == section.index && symbol.type == object::kSymbolFunc) {
          options.symbols.push_back(
              {static_cast<std::uint32_t>(symbol.value / isa::kSlotSize), symbol.name});
        }
      }
      for (isa::Syntax syntax : {isa::Syntax::llvm, isa::Syntax::conformance}) {
        for (isa::Instruction insn : *program) {
          const std::string text = isa::format(insn, syntax);
          Result<isa::Instruction> back = isa::assemble_one(text, syntax);
          ASSERT_TRUE(back.ok()) << path << ": '" << text << "': " << back.error().to_string();
          insn.slot = 0;
          ASSERT_EQ(*back, insn) << path << ": '" << text << "'";
          ++instructions;
        }
        options.syntax = syntax;
        isa::AssembleOptions assemble_options;
        assemble_options.syntax = syntax;
        Result<std::vector<isa::Instruction>> listing =
            isa::assemble(isa::disassemble(*program, options), assemble_options);
        ASSERT_TRUE(listing.ok()) << path << " " << section.name << ": "
                                  << listing.error().to_string();
        EXPECT_EQ(*listing, *program) << path << " " << section.name;
      }
    }
  }
  EXPECT_GT(instructions, 1000U);
}

}  // namespace
}  // namespace xbpf
