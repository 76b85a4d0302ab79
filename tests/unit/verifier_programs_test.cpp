// The verifier on every object the build compiles (tests/programs at -mcpu v1..v4, the
// benchmark programs): each program passes, except the ones listed below, which the verifier
// cannot prove safe yet (each with the reason). A listed program that starts passing fails
// this test, so the list only shrinks.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "object/object.h"
#include "support/files.h"
#include "test_paths.h"
#include "verifier/verifier.h"

namespace xbpf::verifier {
namespace {

// "object stem/program" -> why it does not verify yet.
// (flow_maps/flow_account and v4_features/xdp_v4, a map value or the stack, verify since type
// sets.)
const std::map<std::string, std::string> kNotYet = {};

// "object stem/program" -> the message the verifier must refuse it with: programs that are
// unsafe on purpose (they test the checked mode's faults).
const std::map<std::string, std::string> kUnsafe = {
    {"xdp_fault/xdp_fault", "read of 1 bytes at r1 + 5000 is not proven inside the packet"},
};

TEST(VerifierPrograms, EveryCompiledProgramVerifiesExceptTheKnownOnes) {
  std::vector<std::filesystem::path> objects;
  for (const char* dir : {"tests/programs", "bench/programs"}) {
    const auto path = test::binary_dir() / dir;
    if (!std::filesystem::is_directory(path)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      if (entry.path().extension() == ".o") objects.push_back(entry.path());
    }
  }
  if (objects.empty())
    GTEST_SKIP() << "no compiled eBPF objects (clang with the BPF target missing)";
  std::sort(objects.begin(), objects.end());
  int passed = 0, known = 0;
  std::set<std::string> still_failing;
  for (const auto& path : objects) {
    auto bytes = read_file(path.string());
    ASSERT_TRUE(bytes.ok());
    auto object = object::read_object(std::move(*bytes), path.string());
    ASSERT_TRUE(object.ok()) << object.error().to_string();
    std::string stem = path.stem().string();
    if (auto dot = stem.find('.'); dot != std::string::npos) stem = stem.substr(0, dot);
    for (const object::Program& program : object->programs) {
      if (program.error) continue;  // programs the loader refuses on purpose (kconfig, ksym)
      auto report = verify(*object, program);
      ASSERT_TRUE(report.ok()) << path << ": " << report.error().to_string();
      std::string key = stem + "/" + program.name;
      if (!kNotYet.count(key) && kNotYet.count(stem + "/*")) key = stem + "/*";
      if (auto unsafe = kUnsafe.find(key); unsafe != kUnsafe.end()) {
        EXPECT_FALSE(report->passed()) << path.filename() << ": unsafe, yet it verifies";
        if (!report->passed()) {
          EXPECT_NE(report->errors.front().message.find(unsafe->second), std::string::npos)
              << path.filename() << ": " << format_report(program, *report);
        }
        continue;
      }
      if (kNotYet.count(key)) {
        if (!report->passed()) {
          ++known;
          still_failing.insert(key);
        }
        continue;
      }
      EXPECT_TRUE(report->passed()) << path.filename() << ": " << format_report(program, *report);
      passed += report->passed();
    }
  }
  for (const auto& entry : kNotYet) {
    const std::string& key = entry.first;
    EXPECT_TRUE(still_failing.count(key) ||
                !std::any_of(objects.begin(), objects.end(),
                             [&](const auto& p) {
                               return p.stem().string().rfind(key.substr(0, key.find('/')), 0) == 0;
                             }))
        << key << " now verifies in every version: remove it from kNotYet";
  }
  std::printf("[ summary  ] %d programs verified, %d known not to verify yet\n", passed, known);
  EXPECT_GT(passed, 100);
}

}  // namespace
}  // namespace xbpf::verifier
