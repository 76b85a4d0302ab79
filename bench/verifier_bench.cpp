// Verifier speed and memory: every program of the verifier corpus (tests/verifier, compiled by
// the build into build/tests/verifier) and generated XDP programs of 1k to 100k instructions
// made of packet bounds checks and bounded loops.
//
//   verifier_bench                  Google Benchmark: verify/generated/N and verify/corpus
//   verifier_bench --corpus-report  one line per corpus program (median of 5 runs), then the
//                                   median, the maximum and the generated sizes
//
// Peak memory is the peak of the bytes the process holds through operator new while one
// verification runs, minus what it held before (this binary replaces the global operator
// new to count): the verifier's own working set, portable, without OS calls.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "isa/assembler.h"
#include "object/object.h"
#include "progtype/progtype.h"
#include "support/files.h"
#include "verifier/verifier.h"

#ifndef XBPF_BENCH_BINARY_DIR
#error "XBPF_BENCH_BINARY_DIR must name the build directory"
#endif

// ---- allocation accounting ----
namespace {
std::atomic<std::size_t> g_current{0};
std::atomic<std::size_t> g_peak{0};
constexpr std::size_t kHeader = alignof(std::max_align_t);

void* counted_allocate(std::size_t size) {
  void* block = std::malloc(size + kHeader);
  if (block == nullptr) throw std::bad_alloc();
  std::memcpy(block, &size, sizeof(size));
  const std::size_t now = g_current.fetch_add(size) + size;
  std::size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
  return static_cast<char*>(block) + kHeader;
}

void counted_free(void* memory) {
  if (memory == nullptr) return;
  void* block = static_cast<char*>(memory) - kHeader;
  std::size_t size = 0;
  std::memcpy(&size, block, sizeof(size));
  g_current.fetch_sub(size);
  std::free(block);
}
}  // namespace

void* operator new(std::size_t size) { return counted_allocate(size); }
void* operator new[](std::size_t size) { return counted_allocate(size); }
void operator delete(void* memory) noexcept { counted_free(memory); }
void operator delete[](void* memory) noexcept { counted_free(memory); }
void operator delete(void* memory, std::size_t) noexcept { counted_free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { counted_free(memory); }

namespace {

using namespace xbpf;

struct Measure {
  double ms = 0;      // wall clock
  double cpu_ms = 0;  // processor time (std::clock): the figure to compare on a busy machine
  std::size_t peak_bytes = 0;
  bool passed = false;
};

template <typename F>
Measure measure(F&& verify_once) {
  const std::size_t baseline = g_current.load();
  g_peak.store(baseline);
  const std::clock_t cpu_start = std::clock();
  const auto start = std::chrono::steady_clock::now();
  const bool passed = verify_once();
  const auto stop = std::chrono::steady_clock::now();
  const std::clock_t cpu_stop = std::clock();
  return {std::chrono::duration<double, std::milli>(stop - start).count(),
          1000.0 * static_cast<double>(cpu_stop - cpu_start) / CLOCKS_PER_SEC,
          g_peak.load() - baseline, passed};
}

// ---- generated programs ----

// An XDP program of about `size` instructions: size / 13 blocks of 14 instructions, each a
// packet bounds check and load, a loop of 16 iterations accumulating into r8, a stack read.
std::string generated_source(std::size_t size) {
  std::string text =
      "r9 = r1\n"
      "r8 = 0\n"
      "r1 = 0\n"
      "*(u64 *)(r10 - 8) = r1\n";
  const std::size_t blocks = size / 13;
  for (std::size_t i = 0; i < blocks; ++i) {
    const std::string n = std::to_string(i);
    text +=
        "r2 = *(u32 *)(r9 + 0)\n"
        "r3 = *(u32 *)(r9 + 4)\n"
        "r4 = r2\n"
        "r4 += 16\n"
        "if r4 > r3 goto skip" +
        n + "\nr5 = *(u8 *)(r2 + " + std::to_string(i % 16) + ")\nr8 += r5\nskip" + n +
        ":\nr7 = 0\nloop" + n + ":\nr8 += r7\nr8 ^= " + std::to_string(i & 0xff) +
        "\nr7 += 1\nif r7 < 16 goto loop" + n + "\nr0 = *(u64 *)(r10 - 8)\nr8 += r0\n";
  }
  text += "r0 = r8\nr0 &= 3\nexit\n";
  return text;
}

const std::vector<isa::Instruction>& generated(std::size_t size) {
  static std::map<std::size_t, std::vector<isa::Instruction>> cache;
  auto& code = cache[size];
  if (code.empty()) {
    isa::AssembleOptions options;
    options.syntax = isa::Syntax::llvm;
    auto assembled = isa::assemble(generated_source(size), options);
    if (!assembled) {
      std::fprintf(stderr, "generated program: %s\n", assembled.error().to_string().c_str());
      std::exit(2);
    }
    code = std::move(*assembled);
  }
  return code;
}

bool verify_generated(std::size_t size) {
  verifier::ProgramView view;
  view.code = generated(size);
  view.type = progtype::program_type(progtype::ProgramType::xdp);
  verifier::Options options;
  options.max_seconds = 120;
  options.max_steps = 1'000'000'000;
  auto report = verifier::verify(view, options);
  return report && report->passed();
}

// ---- the corpus ----

struct CorpusProgram {
  std::string name;  // kind/file/program
  std::shared_ptr<const object::Object> object;
  const object::Program* program = nullptr;
};

const std::vector<CorpusProgram>& corpus() {
  static std::vector<CorpusProgram> programs = [] {
    std::vector<CorpusProgram> all;
    for (const char* kind : {"safe", "unsafe"}) {
      const auto dir = std::filesystem::path(XBPF_BENCH_BINARY_DIR) / "tests/verifier" / kind;
      if (!std::filesystem::is_directory(dir)) continue;
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".o") files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        auto bytes = read_file(file.string());
        if (!bytes) continue;
        auto object = object::read_object(std::move(*bytes), file.string());
        if (!object) continue;
        auto shared = std::make_shared<const object::Object>(std::move(*object));
        for (const auto& program : shared->programs) {
          all.push_back({std::string(kind) + "/" + file.stem().string() + "/" + program.name,
                         shared, &program});
        }
      }
    }
    return all;
  }();
  return programs;
}

bool verify_corpus_program(const CorpusProgram& entry) {
  auto report = verifier::verify(*entry.object, *entry.program);
  return report && report->passed();
}

void BM_VerifyGenerated(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  generated(size);
  std::size_t peak = 0;
  bool passed = true;
  for (auto _ : state) {
    const Measure m = measure([&] { return verify_generated(size); });
    peak = std::max(peak, m.peak_bytes);
    passed = passed && m.passed;
  }
  state.counters["insns"] = static_cast<double>(generated(size).size());
  state.counters["peak_MiB"] = static_cast<double>(peak) / (1024.0 * 1024.0);
  if (!passed) state.SkipWithError("the generated program does not verify");
}
BENCHMARK(BM_VerifyGenerated)
    ->Name("verify/generated")
    ->Arg(1'000)
    ->Arg(3'000)
    ->Arg(10'000)
    ->Arg(30'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond);

void BM_VerifyCorpus(benchmark::State& state) {
  if (corpus().empty()) {
    state.SkipWithError("tests/verifier was not compiled (clang with the BPF target missing)");
    return;
  }
  for (auto _ : state) {
    for (const auto& entry : corpus()) benchmark::DoNotOptimize(verify_corpus_program(entry));
  }
  state.counters["programs"] = static_cast<double>(corpus().size());
}
BENCHMARK(BM_VerifyCorpus)->Name("verify/corpus")->Unit(benchmark::kMillisecond);

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

int corpus_report() {
  constexpr int kRuns = 5;
  std::vector<double> times;
  std::size_t max_peak = 0;
  std::printf("%-58s %6s %9s %9s %s\n", "program", "insns", "cpu ms", "peak KiB", "verdict");
  for (const auto& entry : corpus()) {
    std::vector<double> runs;
    std::size_t peak = 0;
    bool passed = false;
    for (int i = 0; i < kRuns; ++i) {
      const Measure m = measure([&] { return verify_corpus_program(entry); });
      runs.push_back(m.cpu_ms);
      peak = std::max(peak, m.peak_bytes);
      passed = m.passed;
    }
    const double ms = median(runs);
    times.push_back(ms);
    max_peak = std::max(max_peak, peak);
    std::printf("%-58s %6zu %9.3f %9.1f %s\n", entry.name.c_str(),
                entry.program->instructions.size(), ms, static_cast<double>(peak) / 1024.0,
                passed ? "PASS" : "FAIL");
  }
  double total = 0;
  for (double t : times) total += t;
  std::printf(
      "\ncorpus: %zu programs, median %.3f ms, max %.3f ms, total %.1f ms, max peak %.1f "
      "KiB\n",
      times.size(), median(times),
      times.empty() ? 0.0 : *std::max_element(times.begin(), times.end()), total,
      static_cast<double>(max_peak) / 1024.0);
  std::printf("\n%-10s %8s %10s %10s %10s %10s %s\n", "generated", "insns", "cpu ms", "wall ms",
              "peak MiB", "us/insn", "verdict");
  for (std::size_t size : {1'000, 3'000, 10'000, 30'000, 100'000}) {
    const auto& code = generated(size);
    std::vector<double> runs, walls;
    std::size_t peak = 0;
    bool passed = false;
    const int repeat = size >= 30'000 ? 1 : 3;
    for (int i = 0; i < repeat; ++i) {
      const Measure m = measure([&] { return verify_generated(size); });
      runs.push_back(m.cpu_ms);
      walls.push_back(m.ms);
      peak = std::max(peak, m.peak_bytes);
      passed = m.passed;
    }
    const double ms = median(runs);
    std::printf("%-10zu %8zu %10.1f %10.1f %10.1f %10.2f %s\n", size, code.size(), ms,
                median(walls), static_cast<double>(peak) / (1024.0 * 1024.0),
                ms * 1000.0 / static_cast<double>(code.size()), passed ? "PASS" : "FAIL");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--corpus-report") == 0) return corpus_report();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
