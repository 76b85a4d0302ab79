// docs/isa.md's table of instruction forms is generated from the opcode table; this test
// fails when they differ. Regenerate with XBPF_UPDATE_GOLDEN=1 ./unit_tests --gtest_filter=IsaDoc*
#include <gtest/gtest.h>

#include <cstdio>

#include "isa/instruction.h"
#include "isa/syntax.h"
#include "platform/platform.h"
#include "support/files.h"
#include "test_paths.h"

namespace xbpf::isa {
namespace {

std::string escape(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}

std::string generate_table() {
  std::string out =
      "| form | opcode | selected by | LLVM syntax | conformance syntax | group |\n"
      "|---|---|---|---|---|---|\n";
  for (const OpInfo& row : all_ops()) {
    char opcode[8];
    std::snprintf(opcode, sizeof opcode, "0x%02x", row.opcode);
    std::string selector = "—";
    if (row.match == Match::src) selector = "src = " + std::to_string(row.match_value);
    if (row.match == Match::off) selector = "offset = " + std::to_string(row.match_value);
    if (row.match == Match::imm) {
      char imm[16];
      std::snprintf(imm, sizeof imm, "imm = 0x%02x", static_cast<unsigned>(row.match_value));
      selector = imm;
    }
    out += "| `" + std::string(row.name) + "` | " + opcode + " | " + selector + " | `" +
           escape(std::string(row.llvm)) + "` | `" + escape(std::string(row.conformance)) + "` | " +
           std::string(group_name(row.group)) + " |\n";
  }
  return out;
}

TEST(IsaDoc, TableMatchesTheOpcodeTable) {
  const std::string path = (test::source_dir() / "docs" / "isa.md").string();
  Result<std::string> doc = read_text_file(path);
  ASSERT_TRUE(doc.ok()) << doc.error().to_string();
  const std::string begin = "<!-- begin generated table -->\n";
  const std::string end = "<!-- end generated table -->";
  const std::size_t from = doc->find(begin);
  const std::size_t to = doc->find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  const std::string current = doc->substr(from + begin.size(), to - from - begin.size());
  const std::string expected = generate_table();
  if (current != expected && platform::environment_variable("XBPF_UPDATE_GOLDEN")) {
    const std::string updated = doc->substr(0, from + begin.size()) + expected + doc->substr(to);
    ASSERT_TRUE(write_text_file(path, updated).ok());
    return;
  }
  EXPECT_EQ(current, expected) << "docs/isa.md is out of date: run with XBPF_UPDATE_GOLDEN=1";
}

}  // namespace
}  // namespace xbpf::isa
