// Interpreter and JIT speed on compute loops written in eBPF assembly (bench/programs/*.s):
// ns per run and ns per executed instruction, for the fast and the checked interpreter and
// the JIT. Then the JIT's fixed costs: calling an empty program (call/empty/ENGINE), a tail
// call (tail_call/ENGINE: a chain of 33, per call, the empty run subtracted), and
// compilation (jit_compile: per 1,000 instructions).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "aot/image.h"
#include "isa/assembler.h"
#include "jit/x86_64/jit.h"
#include "platform/platform.h"
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

// The environment with native code for `code` (an image of its own, compiled by the system C
// compiler) when the engine is native; exits when none can be built.
vm::Environment for_engine(std::span<const isa::Instruction> code, vm::Environment environment,
                           vm::Engine engine) {
  if (engine != vm::Engine::native) return environment;
  aot::ImageSource source;
  source.programs.push_back({"main", "", 0, {code.begin(), code.end()}});
  Result<std::shared_ptr<const aot::Image>> image = aot::build_temporary(source);
  if (!image) {
    std::fprintf(stderr, "%s\n", image.error().to_string().c_str());
    std::exit(2);
  }
  environment.native = (*image)->function((*image)->programs().front());
  return environment;
}

struct Loaded {
  std::shared_ptr<const vm::Program> program;
  std::uint64_t instructions = 0;  // executed per run
  std::uint64_t result = 0;
};

Loaded load(const std::string& name, vm::Engine engine = vm::Engine::checked) {
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
      vm::Program::create(*code, for_engine(*code, vm::Environment{}, engine));
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
  const Loaded loaded = load(name, engine);
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

std::shared_ptr<const vm::Program> prepare(const std::string& source,
                                           const vm::Environment& environment = {},
                                           vm::Engine engine = vm::Engine::interpreter) {
  isa::AssembleOptions options;
  Result<std::vector<isa::Instruction>> code = isa::assemble(source, options);
  if (!code) {
    std::fprintf(stderr, "%s\n", code.error().to_string().c_str());
    std::exit(2);
  }
  Result<std::shared_ptr<const vm::Program>> program =
      vm::Program::create(*code, for_engine(*code, environment, engine));
  if (!program) {
    std::fprintf(stderr, "%s\n", program.error().to_string().c_str());
    std::exit(2);
  }
  return *program;
}

// The cost of calling a program and getting its result: an XDP program that returns
// XDP_PASS, through vm::run (what test_run and a hook do per packet).
void call_empty(benchmark::State& bench, vm::Engine engine) {
  const std::shared_ptr<const vm::Program> program = prepare("r0 = 2\nexit\n", {}, engine);
  vm::RunState state;
  std::uint64_t context = 0;
  const std::uint64_t args[1] = {reinterpret_cast<std::uint64_t>(&context)};
  for (auto _ : bench) {
    Result<std::uint64_t> r0 = vm::run(*program, args, state, engine);
    benchmark::DoNotOptimize(r0);
  }
}

// The hooks' path (vm::run_raw): r0 without a Result<> per run.
void call_empty_raw(benchmark::State& bench) {
  const std::shared_ptr<const vm::Program> program = prepare("r0 = 2\nexit\n");
  vm::RunState state;
  std::uint64_t context = 0;
  const std::uint64_t args[1] = {reinterpret_cast<std::uint64_t>(&context)};
  for (auto _ : bench)
    benchmark::DoNotOptimize(vm::run_raw(*program, args, state, vm::Engine::jit));
  if (state.failed()) bench.SkipWithError(state.take_failure().message.c_str());
}

// The JIT's own part of call/empty/jit: its entry stub called directly, without vm::run's
// bookkeeping (resetting the RunState, the Result<> it returns).
void call_empty_entry(benchmark::State& bench) {
  const std::shared_ptr<const vm::Program> program = prepare("r0 = 2\nexit\n");
  const jit::x86_64::Image* image = program->jit();
  if (image == nullptr) {
    bench.SkipWithError(program->jit_unavailable().c_str());
    return;
  }
  vm::RunState state;
  std::uint64_t context = 0;
  const std::uint64_t args[5] = {reinterpret_cast<std::uint64_t>(&context)};
  const auto frame =
      reinterpret_cast<std::uint64_t>(state.stack.data() + state.stack.size()) + vm::kStackSize;
  const jit::x86_64::Image::Entry entry = image->entry();
  const void* function = image->function(0);
  for (auto _ : bench) benchmark::DoNotOptimize(entry(args, &state, frame, function));
}

// A program array of one program that tail-calls itself until the limit: 33 tail calls per
// run. The host's lookup is a bounds check and an index, as a prog array's.
class SelfTailCall : public vm::Host {
 public:
  const vm::Program* tail_call_target(std::uint64_t map, std::uint64_t index) override {
    return map == 1 && index < 1 ? program : nullptr;
  }
  bool supports_tail_calls() const override { return true; }
  const vm::Program* program = nullptr;
};

void tail_call(benchmark::State& bench, vm::Engine engine) {
  SelfTailCall host;
  vm::Environment environment;
  environment.host = &host;
  const std::shared_ptr<const vm::Program> program =
      prepare("r0 = 2\nr2 = 1\nr3 = 0\ncall 12\nexit\n", environment, engine);
  host.program = program.get();
  const std::shared_ptr<const vm::Program> empty = prepare("r0 = 2\nexit\n", {}, engine);
  vm::RunState state;
  double chain_ns = 0, empty_ns = 0;
  constexpr int kRuns = 1000;
  for (auto _ : bench) {
    std::uint64_t start = platform::monotonic_ns();
    for (int i = 0; i < kRuns; ++i) benchmark::DoNotOptimize(vm::run(*program, {}, state, engine));
    const std::uint64_t chain = platform::monotonic_ns() - start;
    if (state.tail_calls != vm::kMaxTailCalls) {
      bench.SkipWithError("the chain was not 33 calls");
      break;
    }
    start = platform::monotonic_ns();
    for (int i = 0; i < kRuns; ++i) benchmark::DoNotOptimize(vm::run(*empty, {}, state, engine));
    const std::uint64_t plain = platform::monotonic_ns() - start;
    chain_ns += static_cast<double>(chain);
    empty_ns += static_cast<double>(plain);
    const double per_call = (static_cast<double>(chain) - static_cast<double>(plain)) / kRuns /
                            static_cast<double>(vm::kMaxTailCalls);
    bench.SetIterationTime(std::max(per_call, 0.0) * 1e-9);
  }
}

// 1,000 instructions of the kind clang emits (ALU, stack loads and stores, branches, a
// helper-free local call), compiled by the JIT (code generation, placement in executable
// memory, the flip to read+execute); Time is per compilation of the 1,000.
std::string thousand_instructions() {
  std::string source = "r6 = r1\nr7 = 0\n";
  int emitted = 2, label = 0;
  while (emitted + 11 <= 999) {
    const std::string name = "l" + std::to_string(label++);
    source += "r2 = *(u64 *)(r10 - 8)\nr2 += r7\nr3 = r2\nr3 <<= 3\nr3 ^= 0x5bd1e995\n";
    source += "*(u64 *)(r10 - 16) = r3\nw4 = w3\nw4 *= 31\nif r4 > 1000 goto " + name +
              "\nr7 += 1\n" + name + ":\n";
    source += "r0 = *(u32 *)(r6 + 4)\n";
    emitted += 11;
  }
  while (emitted++ < 999) source += "r0 += 1\n";
  return source + "exit\n";
}

void jit_compile(benchmark::State& bench) {
  vm::Environment environment;
  environment.jit_allowed = false;  // compile below, timed alone
  const std::shared_ptr<const vm::Program> program = prepare(thousand_instructions(), environment);
  if (program->instructions().size() != 1000) {
    bench.SkipWithError(("the program is " + std::to_string(program->instructions().size()) +
                         " instructions, not 1,000")
                            .c_str());
    return;
  }
  for (auto _ : bench) {
    Result<std::shared_ptr<const jit::x86_64::Image>> image =
        jit::x86_64::compile(*program, jit::x86_64::Options{});
    if (!image) {
      bench.SkipWithError(image.error().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(image);
  }
}

// Code generation alone (both passes), without executable memory.
void jit_generate(benchmark::State& bench) {
  vm::Environment environment;
  environment.jit_allowed = false;
  const std::shared_ptr<const vm::Program> program = prepare(thousand_instructions(), environment);
  for (auto _ : bench) {
    benchmark::DoNotOptimize(jit::x86_64::generate(*program, jit::x86_64::Options{}));
  }
}

void register_all() {
  for (vm::Engine engine : {vm::Engine::interpreter, vm::Engine::jit, vm::Engine::native}) {
    const std::string name(vm::engine_name(engine));
    benchmark::RegisterBenchmark(("call/empty/" + name).c_str(),
                                 [engine](benchmark::State& bench) { call_empty(bench, engine); });
    benchmark::RegisterBenchmark(("tail_call/" + name).c_str(),
                                 [engine](benchmark::State& bench) { tail_call(bench, engine); })
        ->UseManualTime()
        ->Iterations(300);
  }
  benchmark::RegisterBenchmark("call/empty/jit-raw", call_empty_raw);
  benchmark::RegisterBenchmark("call/empty/jit-entry", call_empty_entry);
  benchmark::RegisterBenchmark("jit_generate/1000_insns", jit_generate)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("jit_compile/1000_insns", jit_compile)
      ->Unit(benchmark::kMicrosecond);
  for (const char* name : {"checksum", "sieve", "tokenizer"}) {
    for (vm::Engine engine :
         {vm::Engine::interpreter, vm::Engine::checked, vm::Engine::jit, vm::Engine::native}) {
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
