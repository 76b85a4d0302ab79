// docs/program-types.md's tables are generated from the program-type registry; this test fails
// when they differ. Regenerate with XBPF_UPDATE_GOLDEN=1 ./unit_tests --gtest_filter=ProgtypeDoc*
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "platform/platform.h"
#include "progtype/progtype.h"
#include "support/files.h"
#include "test_paths.h"

namespace xbpf::progtype {
namespace {

std::string range_text(ReturnRange range) {
  if (range.any()) return "any";
  if (range.min == range.max) return std::to_string(range.min);
  return std::to_string(range.min) + ".." + std::to_string(range.max);
}

// The attach-type refinements, found by asking returns_for about every attach type number.
bool depends_on_attach_type(const ProgramTypeInfo& type) {
  for (std::uint32_t attach = 0; attach < 64; ++attach) {
    if (!(type.returns_for(static_cast<AttachType>(attach)) == type.returns)) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& items) {
  if (items.empty()) return "—";
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "`" : ", `") + item + "`";
  return out;
}

// Helpers every registered program type may call.
std::vector<std::int32_t> common_helpers() {
  std::vector<std::int32_t> common;
  for (const HelperPrototype& row : all_helpers()) {
    const bool everywhere =
        std::all_of(all_program_types().begin(), all_program_types().end(),
                    [&](const ProgramTypeInfo& type) { return type.allows_helper(row.id); });
    if (everywhere) common.push_back(row.id);
  }
  return common;
}

std::string generate() {
  std::string out =
      "| program type | context | bytes | writable fields | return value |\n"
      "|---|---|---|---|---|\n";
  for (const ProgramTypeInfo& type : all_program_types()) {
    std::vector<std::string> writable;
    for (const ContextField& field : type.fields) {
      if (field.writable) writable.emplace_back(field.name);
    }
    std::string context = "`" + std::string(type.context) + "`";
    if (type.any_context_read) {
      context += type.any_read_from == 0
                     ? " (any read)"
                     : " (any read from byte " + std::to_string(type.any_read_from) + ")";
    }
    std::string returns = range_text(type.returns);
    if (depends_on_attach_type(type)) returns += " (by attach type)";
    out += "| `" + std::string(type.name) + "` | " + context + " | " +
           std::to_string(type.context_size) + " | " + joined(writable) + " | " + returns + " |\n";
  }

  const std::vector<std::int32_t> common = common_helpers();
  std::vector<std::string> names;
  for (std::int32_t id : common) names.emplace_back(helper(id)->name);
  out += "\nEvery program type may call " + std::to_string(common.size()) +
         " helpers: " + joined(names) + ".\n\nEach type adds:\n\n";
  for (const ProgramTypeInfo& type : all_program_types()) {
    std::vector<std::string> own;
    for (std::int32_t id : type.helpers) {
      if (!std::binary_search(common.begin(), common.end(), id)) {
        own.emplace_back(helper(id)->name);
      }
    }
    out += "- `" + std::string(type.name) + "` (" + std::to_string(type.helpers.size()) +
           " in all): " + joined(own) + "\n";
  }
  return out;
}

TEST(ProgtypeDoc, TablesMatchTheRegistry) {
  const std::string path = (test::source_dir() / "docs" / "program-types.md").string();
  Result<std::string> doc = read_text_file(path);
  ASSERT_TRUE(doc.ok()) << doc.error().to_string();
  const std::string begin = "<!-- begin generated tables -->\n";
  const std::string end = "<!-- end generated tables -->";
  const std::size_t from = doc->find(begin);
  const std::size_t to = doc->find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  const std::string current = doc->substr(from + begin.size(), to - from - begin.size());
  const std::string expected = generate();
  if (current != expected && platform::environment_variable("XBPF_UPDATE_GOLDEN")) {
    const std::string updated = doc->substr(0, from + begin.size()) + expected + doc->substr(to);
    ASSERT_TRUE(write_text_file(path, updated).ok());
    return;
  }
  EXPECT_EQ(current, expected)
      << "docs/program-types.md is out of date: run with XBPF_UPDATE_GOLDEN=1";
}

}  // namespace
}  // namespace xbpf::progtype
