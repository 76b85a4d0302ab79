// Runs every .data file in the given directories through each engine and prints
// "N passed, M failed" per engine. Exit 0 only when every test passes on every engine.
//
//   run_conformance [--engine E]... [--shared] DIR...
//
// --shared adds the public suite from $XBPF_SHARED_DIR/conformance (default ../shared), or
// prints why it is skipped when that folder is absent.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aot/image.h"
#include "platform/platform.h"
#include "support/files.h"
#include "testing/conformance.h"

namespace fs = std::filesystem;

#ifndef XBPF_DEFAULT_SHARED_DIR
#define XBPF_DEFAULT_SHARED_DIR "../shared"
#endif

int main(int argc, char** argv) {
  using namespace xbpf;
  std::vector<vm::Engine> engines;
  std::vector<fs::path> directories;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--engine" && i + 1 < argc) {
      std::optional<vm::Engine> engine = vm::parse_engine(argv[++i]);
      if (!engine) {
        std::fprintf(stderr, "unknown engine '%s'\n", argv[i]);
        return 2;
      }
      engines.push_back(*engine);
    } else if (arg == "--verbose" || arg == "-v") {
      verbose = true;
    } else if (arg == "--shared") {
      const fs::path shared =
          platform::environment_variable("XBPF_SHARED_DIR").value_or(XBPF_DEFAULT_SHARED_DIR);
      const fs::path suite = shared / "conformance";
      if (fs::is_directory(suite)) {
        directories.push_back(suite);
      } else {
        std::printf("SKIP shared conformance suite: %s is not a directory (set XBPF_SHARED_DIR)\n",
                    suite.string().c_str());
      }
    } else {
      directories.emplace_back(arg);
    }
  }
  if (engines.empty()) engines = {vm::Engine::interpreter, vm::Engine::checked};

  bool all_passed = true;
  for (const fs::path& directory : directories) {
    std::vector<fs::path> files;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(directory, error)) {
      if (entry.path().extension() == ".data") files.push_back(entry.path());
    }
    if (error) {
      std::fprintf(stderr, "cannot list %s: %s\n", directory.string().c_str(),
                   error.message().c_str());
      return 2;
    }
    if (files.empty()) {
      std::fprintf(stderr, "no .data files in %s\n", directory.string().c_str());
      return 2;
    }
    std::sort(files.begin(), files.end());
    for (vm::Engine engine : engines) {
      if (engine == vm::Engine::native && !aot::find_c_compiler()) {
        std::printf("SKIP %s [native]: no C compiler found (cc, gcc or $XBPF_CC)\n",
                    directory.string().c_str());
        continue;
      }
      int passed = 0, failed = 0;
      // Native code compiles one image per test with the C compiler: those run on every CPU
      // (not on Windows, where concurrent CreateProcess calls can hand one child's inheritable
      // pipe ends to another).
      std::vector<std::optional<Status>> statuses(files.size());
      std::atomic<std::size_t> next{0};
      const auto work = [&] {
        for (std::size_t i = next++; i < files.size(); i = next++) {
          Result<std::string> text = read_text_file(files[i].string());
          Result<testing::ConformanceTest> test =
              text ? testing::parse_conformance(*text, files[i].string())
                   : Result<testing::ConformanceTest>(text.error());
          statuses[i] = test ? testing::check_conformance(*test, engine) : Status(test.error());
        }
      };
      const bool posix = std::string_view(platform::shared_library_suffix()) == ".so";
      const unsigned workers = engine == vm::Engine::native && posix ? platform::cpu_count() : 1;
      std::vector<std::thread> threads;
      for (unsigned w = 1; w < workers; ++w) threads.emplace_back(work);
      work();
      for (std::thread& thread : threads) thread.join();
      for (std::size_t i = 0; i < files.size(); ++i) {
        const Status& status = *statuses[i];
        if (status.ok()) {
          ++passed;
          if (verbose) std::printf("PASS %s\n", files[i].filename().string().c_str());
        } else {
          ++failed;
          std::printf("FAIL %s: %s\n", files[i].filename().string().c_str(),
                      status.error().to_string().c_str());
        }
      }
      std::printf("%s [%s]: %d passed, %d failed\n", directory.string().c_str(),
                  std::string(vm::engine_name(engine)).c_str(), passed, failed);
      all_passed = all_passed && failed == 0;
    }
  }
  return all_passed ? 0 : 1;
}
