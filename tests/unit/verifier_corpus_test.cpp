// The verifier's own corpus (tests/verifier/): every program under safe/ must verify and every
// program under unsafe/ must be refused with the message its source states in a comment
// (`// EXPECT: <substring of the first error's message>`), at the source line marked
// `// <- error` where the source marks one. The build compiles the sources with clang into
// build/tests/verifier/{safe,unsafe}/NAME.o; without clang (the MinGW build) the test skips.
//
// An unsafe program that verifies is a soundness bug, never a known failure. A safe program the
// verifier cannot prove yet is listed in kKnownFailing with the reason; a listed program that
// starts verifying fails the test, so the list only shrinks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "object/object.h"
#include "support/files.h"
#include "test_paths.h"
#include "verifier/verifier.h"

#ifdef XBPF_HAVE_KERNEL_ORACLE
#include "platform/linux/kernel_bpf.h"
#endif

namespace xbpf::verifier {
namespace {

// Safe programs (file stem) -> why the verifier cannot prove them yet.
const std::map<std::string, std::string> kKnownFailing = {};

#ifdef XBPF_HAVE_KERNEL_ORACLE
// Safe programs (file stem) this kernel refuses -> why.
// (Linux 6.18: its path exploration gives up where xbpf's loop analysis does not.)
const std::map<std::string, std::string> kKernelRefusesSafe = {
    {"loop_bytes_10000", "\"The sequence of 8193 jumps is too complex\""},
    {"loop_counter_helper", "\"The sequence of 8193 jumps is too complex\""},
    {"loop_nested_packet", "\"R1 pointer arithmetic on pkt_end prohibited\" (clang's hoisting)"},
    {"loop_stack_counter", "\"BPF program is too large. Processed 1000001 insn\""},
};
#endif

struct Source {
  std::string expect;                 // the EXPECT substring (unsafe programs)
  std::optional<std::uint32_t> line;  // the line marked "// <- error"
};

Source read_source(const std::filesystem::path& path) {
  Source source;
  std::ifstream in(path);
  std::string text;
  for (std::uint32_t number = 1; std::getline(in, text); ++number) {
    const std::string tag = "// EXPECT: ";
    if (auto at = text.find(tag); at != std::string::npos && source.expect.empty())
      source.expect = text.substr(at + tag.size());
    if (text.find("// <- error") != std::string::npos) source.line = number;
  }
  return source;
}

struct Verdict {
  std::string error;  // the loader's refusal, when it refused
  std::vector<std::pair<const object::Program*, Report>> reports;
  std::optional<object::Object> object;
};

Verdict verify_object(const std::filesystem::path& path) {
  Verdict verdict;
  auto bytes = read_file(path.string());
  if (!bytes.ok()) {
    verdict.error = bytes.error().to_string();
    return verdict;
  }
  auto object = object::read_object(std::move(*bytes), path.string());
  if (!object) {
    verdict.error = object.error().to_string();
    return verdict;
  }
  verdict.object = std::move(*object);
  for (const object::Program& program : verdict.object->programs) {
    auto report = verify(*verdict.object, program);
    if (!report.ok()) {
      verdict.error = report.error().to_string();
      return verdict;
    }
    verdict.reports.emplace_back(&program, std::move(*report));
  }
  return verdict;
}

std::vector<std::filesystem::path> objects_of(const std::string& kind) {
  std::vector<std::filesystem::path> objects;
  const auto dir = test::binary_dir() / "tests" / "verifier" / kind;
  if (!std::filesystem::is_directory(dir)) return objects;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".o") objects.push_back(entry.path());
  }
  std::sort(objects.begin(), objects.end());
  return objects;
}

std::filesystem::path source_of(const std::string& kind, const std::filesystem::path& object) {
  return test::source_dir() / "tests" / "verifier" / kind / (object.stem().string() + ".bpf.c");
}

TEST(VerifierCorpus, SafeProgramsVerify) {
  const auto objects = objects_of("safe");
  if (objects.empty())
    GTEST_SKIP() << "tests/verifier/safe was not compiled (clang with the BPF target missing)";
  int passed = 0, known = 0;
  std::set<std::string> seen;
  for (const auto& path : objects) {
    if (!std::filesystem::exists(source_of("safe", path))) continue;  // a stale object
    const std::string stem = path.stem().string();
    seen.insert(stem);
    Verdict verdict = verify_object(path);
    ASSERT_TRUE(verdict.error.empty()) << path.filename() << ": " << verdict.error;
    bool all_passed = true;
    std::string failures;
    for (const auto& [program, report] : verdict.reports) {
      if (!report.passed()) {
        all_passed = false;
        failures += format_report(*program, report);
      }
    }
    if (auto known_failing = kKnownFailing.find(stem); known_failing != kKnownFailing.end()) {
      EXPECT_FALSE(all_passed) << stem << " now verifies: remove it from kKnownFailing";
      known += !all_passed;
      continue;
    }
    EXPECT_TRUE(all_passed) << path.filename() << ": " << failures;
    passed += all_passed;
  }
  for (const auto& entry : kKnownFailing) {
    EXPECT_TRUE(seen.count(entry.first)) << entry.first << " is listed but has no program";
  }
  std::printf("[ summary  ] %d safe programs verified, %d known not to verify yet\n", passed,
              known);
  EXPECT_GE(passed + known, 60);
}

TEST(VerifierCorpus, UnsafeProgramsFailWithTheirMessage) {
  const auto objects = objects_of("unsafe");
  if (objects.empty())
    GTEST_SKIP() << "tests/verifier/unsafe was not compiled (clang with the BPF target missing)";
  int refused = 0;
  for (const auto& path : objects) {
    const auto source_path = source_of("unsafe", path);
    if (!std::filesystem::exists(source_path)) continue;  // a stale object
    const Source source = read_source(source_path);
    ASSERT_FALSE(source.expect.empty()) << source_path << " has no `// EXPECT: ` comment";
    Verdict verdict = verify_object(path);
    ASSERT_TRUE(verdict.error.empty()) << path.filename() << ": " << verdict.error;
    ASSERT_EQ(verdict.reports.size(), 1u) << path.filename() << ": one program per unsafe file";
    const auto& [program, report] = verdict.reports.front();
    if (report.passed()) {
      ADD_FAILURE() << path.filename() << ": unsafe, yet it verifies (a soundness bug)";
      continue;
    }
    const Diagnostic& first = report.errors.front();
    EXPECT_NE(first.message.find(source.expect), std::string::npos)
        << path.filename() << ": expected \"" << source.expect << "\"\n"
        << format_report(*program, report);
    if (source.line) {
      const object::LineInfo* line = line_for(*program, first.pc);
      ASSERT_NE(line, nullptr) << path.filename() << ": no line info for pc " << first.pc;
      EXPECT_EQ(line->line, *source.line)
          << path.filename() << ": the error is at line " << line->line
          << ", the source marks line " << *source.line << "\n"
          << format_report(*program, report);
    }
    ++refused;
  }
  std::printf("[ summary  ] %d unsafe programs refused\n", refused);
  EXPECT_GE(refused, 60);
}

// Linux agrees: the kernel loads (verifies) every safe program, and refuses the unsafe ones
// (those it accepts are printed: xbpf is stricter there, which is allowed).
TEST(VerifierCorpus, LinuxAgrees) {
#ifndef XBPF_HAVE_KERNEL_ORACLE
  GTEST_SKIP() << "built without the kernel oracle (libbpf, Linux only)";
#else
  if (!platform::kernel::kernel_bpf_available())
    GTEST_SKIP() << "the kernel cannot load BPF here: "
                 << platform::kernel::kernel_bpf_unavailable_reason();
  const auto safe = objects_of("safe");
  if (safe.empty()) GTEST_SKIP() << "tests/verifier was not compiled";
  for (const auto& path : safe) {
    if (kKernelRefusesSafe.count(path.stem().string())) continue;
    auto loaded = platform::kernel::KernelObject::open_and_load(path.string());
    if (!loaded && loaded.error().linux_errno == EOPNOTSUPP) {
      // This kernel lacks a helper the program calls: it cannot say here.
      std::printf("[ skipped  ] %s\n", loaded.error().message.c_str());
      continue;
    }
    EXPECT_TRUE(loaded.ok()) << path.filename() << ": Linux refuses it: "
                             << (loaded.ok() ? "" : loaded.error().to_string());
  }
  int accepted = 0;
  for (const auto& path : objects_of("unsafe")) {
    auto loaded = platform::kernel::KernelObject::open_and_load(path.string());
    if (loaded.ok()) {
      ++accepted;
      std::printf("[ note     ] Linux accepts %s, which xbpf refuses\n",
                  path.filename().string().c_str());
    }
  }
  std::printf("[ summary  ] Linux accepts %d of the unsafe programs\n", accepted);
#endif
}

}  // namespace
}  // namespace xbpf::verifier
