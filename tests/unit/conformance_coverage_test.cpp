// The project's own conformance corpus (tests/conformance/*.data): every file parses, and
// together the files cover every row of the opcode table. A row counts as covered when some
// file's program contains it, with the program built the way check_conformance builds it
// (assembled from `-- asm`, else decoded from `-- raw`). Rejection tests count only when
// their program still assembles or decodes (e.g. an unavailable helper, call btf_id).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "isa/assembler.h"
#include "isa/instruction.h"
#include "isa/opcode.h"
#include "support/files.h"
#include "test_paths.h"
#include "testing/conformance.h"

namespace xbpf {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMinimumFiles = 100;

fs::path corpus_dir() { return test::source_dir() / "tests" / "conformance"; }

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(corpus_dir(), error)) {
    if (entry.path().extension() == ".data") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<testing::ConformanceTest> load(const fs::path& path) {
  Result<std::string> text = read_text_file(path.string());
  if (!text) return std::move(text).error();
  return testing::parse_conformance(*text, path.string());
}

// The program as check_conformance runs it, or nullopt when it neither assembles nor decodes.
std::optional<std::vector<isa::Instruction>> program_of(const testing::ConformanceTest& test) {
  if (!test.assembly.empty()) {
    isa::AssembleOptions options;
    options.syntax = isa::Syntax::conformance;
    options.file_name = test.file;
    Result<std::vector<isa::Instruction>> assembled = isa::assemble(test.assembly, options);
    if (assembled) return std::move(*assembled);
  }
  if (test.raw) {
    Result<std::vector<isa::Instruction>> decoded = isa::decode(*test.raw);
    if (decoded) return std::move(*decoded);
  }
  return std::nullopt;
}

TEST(ConformanceCoverage, EveryFileParses) {
  const std::vector<fs::path> files = corpus_files();
  EXPECT_GE(files.size(), kMinimumFiles) << "in " << corpus_dir().string();
  for (const fs::path& path : files) {
    Result<std::string> text = read_text_file(path.string());
    ASSERT_TRUE(text.ok()) << text.error().to_string();
    Result<testing::ConformanceTest> test = testing::parse_conformance(*text, path.string());
    EXPECT_TRUE(test.ok()) << (test ? "" : test.error().to_string());
    // Each file starts with a comment saying what it tests.
    EXPECT_EQ(text->rfind("# ", 0), 0U) << path.filename().string() << " has no '# ' header";
  }
}

TEST(ConformanceCoverage, EveryOpcodeRowIsCovered) {
  std::set<isa::Op> covered;
  for (const fs::path& path : corpus_files()) {
    Result<testing::ConformanceTest> test = load(path);
    if (!test) continue;  // reported by EveryFileParses
    std::optional<std::vector<isa::Instruction>> program = program_of(*test);
    if (!program) continue;
    for (const isa::Instruction& insn : *program) covered.insert(insn.op);
  }
  std::string missing;
  for (const isa::OpInfo& row : isa::all_ops()) {
    if (covered.count(row.op) == 0) missing += " " + std::string(row.name);
  }
  EXPECT_TRUE(missing.empty()) << "opcode table rows no file in " << corpus_dir().string()
                               << " covers:" << missing;
  EXPECT_EQ(covered.size(), isa::kOpCount);
}

// Both outcomes are exercised: tests that run to a result and tests that expect an error.
TEST(ConformanceCoverage, HasResultAndErrorTests) {
  std::size_t results = 0, errors = 0;
  for (const fs::path& path : corpus_files()) {
    Result<testing::ConformanceTest> test = load(path);
    if (!test) continue;
    if (test->result) ++results;
    if (test->error) ++errors;
  }
  EXPECT_GT(results, 0U);
  EXPECT_GT(errors, 0U);
}

}  // namespace
}  // namespace xbpf
