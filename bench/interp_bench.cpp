// Interpreter speed on compute loops written in eBPF assembly (bench/programs/*.s): ns per
// run and ns per executed instruction, for the fast and the checked interpreter.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "isa/assembler.h"
#include "support/files.h"
#include "vm/vm.h"

#ifndef XBPF_BENCH_DIR
#error "XBPF_BENCH_DIR must name bench/"
#endif

namespace {

using namespace xbpf;

// 1 KiB of text-like input: the tokenizer's branches depend on it.
std::vector<std::uint8_t> make_input() {
  static const char* const kWords[] = {"hello",  "world", "xbpf",  "packet",
                                       "filter", "42",    "1999",  "3.14",
                                       "eBPF!",  "(x)",   "{a,b}", "\xc3\xa9t\xc3\xa9"};
  static const char* const kGaps[] = {" ", " ", "\n", ", ", "\t"};
  std::vector<std::uint8_t> input;
  std::uint32_t seed = 7;
  auto next = [&seed] {
    seed = seed * 1103515245 + 12345;
    return seed >> 16;
  };
  while (input.size() < 1024) {
    const std::string word = std::string(kWords[next() % 12]) + kGaps[next() % 5];
    input.insert(input.end(), word.begin(), word.end());
  }
  input.resize(1024);
  return input;
}

struct Loaded {
  std::shared_ptr<const vm::Program> program;
  std::uint64_t instructions = 0;  // executed per run
  std::uint64_t result = 0;
};

Loaded load(const std::string& name) {
  const std::string path = std::string(XBPF_BENCH_DIR) + "/programs/" + name + ".s";
  Result<std::string> source = read_text_file(path);
  if (!source) {
    std::fprintf(stderr, "%s\n", source.error().to_string().c_str());
    std::exit(2);
  }
  isa::AssembleOptions options;
  options.file_name = path;
  Result<std::vector<isa::Instruction>> code = isa::assemble(*source, options);
  if (!code) {
    std::fprintf(stderr, "%s\n", code.error().to_string().c_str());
    std::exit(2);
  }
  Result<std::shared_ptr<const vm::Program>> program =
      vm::Program::create(*code, vm::Environment{});
  if (!program) {
    std::fprintf(stderr, "%s\n", program.error().to_string().c_str());
    std::exit(2);
  }
  // One checked run counts the instructions and proves the program stays in bounds.
  std::vector<std::uint8_t> input = make_input();
  vm::RunState state;
  state.add_region({reinterpret_cast<std::uint64_t>(input.data()), input.size(), true, "input"});
  const std::uint64_t args[2] = {reinterpret_cast<std::uint64_t>(input.data()), input.size()};
  Result<std::uint64_t> r0 = vm::run(**program, args, state, vm::Engine::checked);
  if (!r0) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), r0.error().to_string().c_str());
    std::exit(2);
  }
  return Loaded{*program, state.instructions_executed, *r0};
}

void run_program(benchmark::State& bench, const std::string& name, vm::Engine engine) {
  static std::vector<std::uint8_t> input = make_input();
  const Loaded loaded = load(name);
  vm::RunState state;
  state.add_region({reinterpret_cast<std::uint64_t>(input.data()), input.size(), true, "input"});
  const std::uint64_t args[2] = {reinterpret_cast<std::uint64_t>(input.data()), input.size()};
  for (auto _ : bench) {
    Result<std::uint64_t> r0 = vm::run(*loaded.program, args, state, engine);
    if (!r0 || *r0 != loaded.result) {
      bench.SkipWithError("the result changed between runs");
      break;
    }
    benchmark::DoNotOptimize(*r0);
  }
  bench.counters["insns"] = static_cast<double>(loaded.instructions);
  bench.counters["ns/insn"] = benchmark::Counter(
      static_cast<double>(loaded.instructions) * static_cast<double>(bench.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void register_all() {
  for (const char* name : {"checksum", "sieve", "tokenizer"}) {
    for (vm::Engine engine : {vm::Engine::interpreter, vm::Engine::checked}) {
      const std::string title = std::string(name) + "/" + std::string(vm::engine_name(engine));
      benchmark::RegisterBenchmark(title.c_str(), [name, engine](benchmark::State& bench) {
        run_program(bench, name, engine);
      });
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
