// Programs loaded from clang-compiled objects and run as Linux's BPF_PROG_TEST_RUN runs them
// (runtime::test_run), next to the Linux kernel running the same objects in the same process
// (the kernel oracle: libbpf, bpf_prog_test_run with repeat; the kernel JIT-compiles):
//
//   shared/NAME/ENGINE   the compute programs of ../shared/bench (hash, primes, branchy) on
//                        make_packet's 1032-byte packet: ns per run (Time column); the result
//                        at data_out + 1024 is checked against the shared README's value.
//   maps/OP/ENGINE       map operations from a program (bench/programs/map_ops.bpf.c): each
//                        run does OP 1000 times; Time is ns per operation, (run - baseline
//                        run) / 1000, the baseline being the same loop without the operation
//                        measured in the same iteration.
//
// Each iteration is one test run with `repeat` runs; the time is the run loop's average as
// test_run (and the kernel) report it, not the setup around it. Kernel entries skip with the
// reason when the bpf() system call is unavailable (not root, not Linux).
//
//     build/bin/runtime_bench --benchmark_repetitions=11
//     --benchmark_enable_random_interleaving=true
//
// (bench/README.md has the figures and how they were measured.)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "object/object.h"
#include "platform/platform.h"
#include "runtime/maps/map.h"
#include "runtime/maps/ringbuf.h"
#include "runtime/native_image.h"
#include "runtime/runtime.h"
#include "runtime/test_run.h"
#include "support/files.h"
#include "vm/vm.h"

#if XBPF_BENCH_KERNEL
#include "platform/linux/kernel_bpf.h"
#endif

#ifndef XBPF_BENCH_OBJECT_DIR
#error "XBPF_BENCH_OBJECT_DIR must name the directory of the compiled benchmark objects"
#endif
#ifndef XBPF_BENCH_SHARED_DIR
#error "XBPF_BENCH_SHARED_DIR must name the shared benchmark directory"
#endif

namespace {

using namespace xbpf;

// ---------------------------------------------------------------------------------------
// Inputs

// make_packet.c's 1032 bytes: xorshift64, every third byte folded into printable ASCII.
std::vector<std::uint8_t> make_packet() {
  std::vector<std::uint8_t> packet(1032);
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (std::size_t i = 0; i < packet.size(); ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto b = static_cast<std::uint8_t>(x >> 24);
    packet[i] = i % 3 == 0 ? static_cast<std::uint8_t>(32 + b % 95) : b;
  }
  return packet;
}

struct SharedProgram {
  const char* name;
  std::uint64_t result;  // little-endian u64 at data_out + 1024
};

constexpr SharedProgram kShared[] = {
    {"hash", 0xd583dea3b8778b78ULL},
    {"primes", 0x2619bc058ca1c071ULL},
    {"branchy", 0x5058e37c9c518e13ULL},
};
constexpr std::uint32_t kSharedRepeat = 100;  // runs per test run
constexpr int kSharedIterations = 20;         // test runs per entry

std::string shared_object(const SharedProgram& program) {
  return std::string(XBPF_BENCH_OBJECT_DIR) + "/prog_" + program.name + ".o";
}

// map_ops.bpf.c
constexpr std::uint32_t kOps = 1000;  // OPS: operations per run
constexpr std::uint32_t kEntries = 65536;
constexpr std::uint32_t kMapRepeat = 50;  // runs per test run (the ring holds 4 MiB: 170 runs)
constexpr int kMapIterations = 20;

std::string map_ops_object() { return std::string(XBPF_BENCH_OBJECT_DIR) + "/map_ops.o"; }

struct MapOp {
  const char* name;      // the program (function) name
  std::uint32_t retval;  // what a run returns: the successful operations
};

constexpr MapOp kMapOps[] = {
    {"array_lookup", kOps},        {"array_lookup_hot", kOps},       {"hash_lookup_hit", kOps},
    {"hash_lookup_hit_hot", kOps}, {"hash_lookup_miss", 0},          {"hash_lookup_miss_hot", 0},
    {"hash_update", kOps},         {"hash_update_hot", kOps},        {"lpm_lookup", kOps},
    {"lpm_lookup_hot", kOps},      {"ringbuf_reserve_submit", kOps},
};

// An IPv4 routing table inside 10.0.0.0/8 (so that every address of the lookups, 10.x.y.z,
// matches at least the /8): prefix lengths /8 to /32, mostly /24 as in real tables.
struct LpmEntry {
  std::uint32_t prefixlen;
  std::uint8_t addr[4];  // network byte order
};

std::vector<LpmEntry> make_lpm_table() {
  struct Share {
    std::uint32_t prefixlen;
    std::uint32_t count;
  };
  static constexpr Share kShares[] = {{8, 1},     {12, 16},    {16, 128},  {20, 1024},
                                      {22, 1024}, {24, 12288}, {28, 1024}, {32, 1024}};
  std::uint64_t x = 0x2545f4914f6cdd1dULL;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<std::uint32_t>(x >> 32);
  };
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  std::vector<LpmEntry> table;
  for (const Share& share : kShares) {
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - share.prefixlen);
    for (std::uint32_t i = 0; i < share.count; ++i) {
      const std::uint32_t address = (0x0a000000U | (next() & 0x00ffffffU)) & mask;
      if (!seen.emplace(share.prefixlen, address).second) continue;
      LpmEntry entry{share.prefixlen, {}};
      entry.addr[0] = static_cast<std::uint8_t>(address >> 24);
      entry.addr[1] = static_cast<std::uint8_t>(address >> 16);
      entry.addr[2] = static_cast<std::uint8_t>(address >> 8);
      entry.addr[3] = static_cast<std::uint8_t>(address);
      table.push_back(entry);
    }
  }
  return table;
}

// Fills the map of map_ops.o that `op` uses through `update(map name, key, value)`: array and
// hash hold the keys 0..65535 with value = key, lpm the table with values 1, 2, 3...
template <class Update>
bool populate(const MapOp& op, Update update) {
  const std::string name = op.name;
  for (const char* map : {"array", "hash"}) {
    if (name.rfind(map, 0) != 0) continue;
    for (std::uint32_t key = 0; key < kEntries; ++key) {
      const std::uint64_t value = key;
      if (!update(map, &key, &value)) return false;
    }
  }
  if (name.rfind("lpm", 0) == 0) {
    std::uint64_t value = 0;
    for (const LpmEntry& entry : make_lpm_table()) {
      ++value;
      if (!update("lpm", &entry, &value)) return false;
    }
  }
  return true;
}

std::uint64_t result_at_1024(const std::vector<std::uint8_t>& data_out) {
  std::uint64_t result = 0;
  if (data_out.size() >= 1032) std::memcpy(&result, data_out.data() + 1024, 8);
  return result;
}

std::string missing_shared_reason() {
  return std::string("skipped: the shared benchmark programs were not built (") +
         XBPF_BENCH_SHARED_DIR + " was absent when the build was configured, or clang was missing)";
}

// ---------------------------------------------------------------------------------------
// xbpf

using XbpfObject = runtime::LoadedFile;

// Verified, as every load is. With engine native, the programs' native code comes from an
// image of the object (built into the image cache once).
Result<XbpfObject> load_xbpf(const std::string& path, vm::Engine engine = vm::Engine::checked) {
  if (engine != vm::Engine::native) return runtime::load_file(path);
  return runtime::load_file_native(path, {}, {}, {});
}

const runtime::LoadedProgram* find_program(const XbpfObject& loaded, const std::string& name,
                                           benchmark::State& bench) {
  const runtime::LoadedProgram* program = loaded.object->find_program(name);
  if (program == nullptr) bench.SkipWithError(("no program " + name).c_str());
  return program;
}

void shared_xbpf(benchmark::State& bench, const SharedProgram& shared, vm::Engine engine) {
  const std::string path = shared_object(shared);
  if (!std::filesystem::exists(path)) {
    bench.SkipWithError(missing_shared_reason().c_str());
    return;
  }
  Result<XbpfObject> loaded = load_xbpf(path, engine);
  if (!loaded) {
    bench.SkipWithError(loaded.error().to_string().c_str());
    return;
  }
  const runtime::LoadedProgram* program =
      find_program(*loaded, std::string("bench_") + shared.name, bench);
  if (program == nullptr) return;
  runtime::TestRunOptions options;
  options.data_in = make_packet();
  options.repeat = kSharedRepeat;
  options.engine = engine;
  for (auto _ : bench) {
    Result<runtime::TestRunResult> run = runtime::test_run(*program, options);
    if (!run) {
      bench.SkipWithError(run.error().to_string().c_str());
      break;
    }
    if (run->retval != 2 || result_at_1024(run->data_out) != shared.result) {
      bench.SkipWithError("wrong result at data_out + 1024");
      break;
    }
    bench.SetIterationTime(static_cast<double>(run->duration_ns) * 1e-9);
  }
}

#if XBPF_BENCH_GCC
extern "C" int bench_native_hash(unsigned char* data, unsigned char* end);
extern "C" int bench_native_primes(unsigned char* data, unsigned char* end);
extern "C" int bench_native_branchy(unsigned char* data, unsigned char* end);
#endif

// The same kernel compiled by gcc -O2 (bench/programs/shared_kernels.c), timed like test_run:
// the average of kSharedRepeat calls on the same packet.
void shared_gcc(benchmark::State& bench, const SharedProgram& shared) {
#if XBPF_BENCH_GCC
  using Kernel = int (*)(unsigned char*, unsigned char*);
  const std::string name = shared.name;
  const Kernel kernel = name == "hash"     ? bench_native_hash
                        : name == "primes" ? bench_native_primes
                                           : bench_native_branchy;
  std::vector<std::uint8_t> packet = make_packet();
  for (auto _ : bench) {
    const std::uint64_t start = platform::monotonic_ns();
    int verdict = 0;
    for (std::uint32_t i = 0; i < kSharedRepeat; ++i) {
      verdict = kernel(packet.data(), packet.data() + packet.size());
      benchmark::DoNotOptimize(verdict);
      benchmark::ClobberMemory();
    }
    const std::uint64_t elapsed = platform::monotonic_ns() - start;
    if (verdict != 2 || result_at_1024(packet) != shared.result) {
      bench.SkipWithError("wrong result at data + 1024");
      break;
    }
    bench.SetIterationTime(static_cast<double>(elapsed / kSharedRepeat) * 1e-9);
  }
#else
  (void)shared;
  bench.SkipWithError("skipped: ../shared/bench was absent at configure time");
#endif
}

// Runs `baseline` and `op` alternately, kMapRepeat runs each per iteration; the Time column is
// ns per operation. The ring buffer is emptied after each test run (outside the timed loop).
void map_op_xbpf(benchmark::State& bench, const MapOp& op, vm::Engine engine) {
  const std::string path = map_ops_object();
  if (!std::filesystem::exists(path)) {
    bench.SkipWithError("skipped: map_ops.o was not built (clang or libbpf headers missing)");
    return;
  }
  Result<XbpfObject> loaded = load_xbpf(path, engine);
  if (!loaded) {
    bench.SkipWithError(loaded.error().to_string().c_str());
    return;
  }
  const bool filled = populate(op, [&](const char* name, const void* key, const void* value) {
    const runtime::LoadedMap* map = loaded->object->find_map(name);
    return map != nullptr && map->map->user_update(key, value, 0) == 0;
  });
  if (!filled) {
    bench.SkipWithError("populating the maps failed");
    return;
  }
  const runtime::LoadedProgram* baseline = find_program(*loaded, "baseline", bench);
  const runtime::LoadedProgram* program = find_program(*loaded, op.name, bench);
  if (baseline == nullptr || program == nullptr) return;
  const runtime::LoadedMap* ring_map = loaded->object->find_map("ring");
  auto* ring = ring_map != nullptr ? static_cast<runtime::RingBuf*>(ring_map->map.get()) : nullptr;
  runtime::TestRunOptions options;
  options.data_in.assign(64, 0);
  options.repeat = kMapRepeat;
  options.engine = engine;
  double run_ns = 0;
  double base_ns = 0;
  for (auto _ : bench) {
    Result<runtime::TestRunResult> base = runtime::test_run(*baseline, options);
    Result<runtime::TestRunResult> run = runtime::test_run(*program, options);
    if (!base || !run) {
      bench.SkipWithError((!base ? base : run).error().to_string().c_str());
      break;
    }
    if (run->retval != op.retval) {
      bench.SkipWithError(
          ("returned " + std::to_string(run->retval) + ", expected " + std::to_string(op.retval))
              .c_str());
      break;
    }
    if (ring != nullptr) ring->consume([](const void*, std::uint32_t) { return 0; });
    const auto b = static_cast<double>(base->duration_ns);
    const auto r = static_cast<double>(run->duration_ns);
    base_ns += b;
    run_ns += r;
    bench.SetIterationTime(std::max(r - b, 0.0) / kOps * 1e-9);
  }
  const auto n = static_cast<double>(std::max<benchmark::IterationCount>(bench.iterations(), 1));
  bench.counters["run_ns"] = run_ns / n;
  bench.counters["baseline_ns"] = base_ns / n;
}

// ---------------------------------------------------------------------------------------
// The Linux kernel

#if XBPF_BENCH_KERNEL
namespace kernel = platform::kernel;

bool kernel_ready(benchmark::State& bench) {
  if (kernel::kernel_bpf_available()) return true;
  bench.SkipWithError(("skipped: " + kernel::kernel_bpf_unavailable_reason()).c_str());
  return false;
}

void shared_kernel(benchmark::State& bench, const SharedProgram& shared) {
  if (!kernel_ready(bench)) return;
  const std::string path = shared_object(shared);
  if (!std::filesystem::exists(path)) {
    bench.SkipWithError(missing_shared_reason().c_str());
    return;
  }
  Result<kernel::KernelObject> object = kernel::KernelObject::open_and_load(path);
  if (!object) {
    bench.SkipWithError(object.error().to_string().c_str());
    return;
  }
  kernel::TestRunOptions options;
  options.data_in = make_packet();
  options.data_out_size = 4096;
  options.repeat = static_cast<int>(kSharedRepeat);
  const std::string function = std::string("bench_") + shared.name;
  for (auto _ : bench) {
    kernel::TestRunResult run = object->test_run(function, options);
    if (run.error != 0) {
      bench.SkipWithError(
          ("BPF_PROG_TEST_RUN failed: errno " + std::to_string(-run.error)).c_str());
      break;
    }
    if (run.retval != 2 || result_at_1024(run.data_out) != shared.result) {
      bench.SkipWithError("wrong result at data_out + 1024");
      break;
    }
    bench.SetIterationTime(static_cast<double>(run.duration_ns) * 1e-9);
  }
}

void map_op_kernel(benchmark::State& bench, const MapOp& op) {
  if (!kernel_ready(bench)) return;
  const std::string path = map_ops_object();
  if (!std::filesystem::exists(path)) {
    bench.SkipWithError("skipped: map_ops.o was not built (clang or libbpf headers missing)");
    return;
  }
  Result<kernel::KernelObject> object = kernel::KernelObject::open_and_load(path);
  if (!object) {
    bench.SkipWithError(object.error().to_string().c_str());
    return;
  }
  std::map<std::string, kernel::KernelMap> maps;
  const bool filled = populate(op, [&](const char* name, const void* key, const void* value) {
    auto found = maps.find(name);
    if (found == maps.end()) {
      std::optional<kernel::KernelMap> map = object->map(name);
      if (!map) return false;
      found = maps.emplace(name, std::move(*map)).first;
    }
    return found->second.update(key, value, 0) == 0;
  });
  if (!filled) {
    bench.SkipWithError("populating the kernel's maps failed");
    return;
  }
  std::optional<kernel::KernelMap> ring_map = object->map("ring");
  if (!ring_map) {
    bench.SkipWithError("no map 'ring'");
    return;
  }
  Result<kernel::KernelRing> ring = kernel::KernelRing::map(ring_map->fd(), 4U << 20);
  if (!ring) {
    bench.SkipWithError(ring.error().to_string().c_str());
    return;
  }
  kernel::TestRunOptions options;
  options.data_in.assign(64, 0);
  options.repeat = static_cast<int>(kMapRepeat);
  double run_ns = 0;
  double base_ns = 0;
  for (auto _ : bench) {
    kernel::TestRunResult base = object->test_run("baseline", options);
    kernel::TestRunResult run = object->test_run(op.name, options);
    if (base.error != 0 || run.error != 0) {
      bench.SkipWithError("BPF_PROG_TEST_RUN failed");
      break;
    }
    if (run.retval != op.retval) {
      bench.SkipWithError(
          ("returned " + std::to_string(run.retval) + ", expected " + std::to_string(op.retval))
              .c_str());
      break;
    }
    ring->set_consumer_pos(ring->producer_pos());
    const auto b = static_cast<double>(base.duration_ns);
    const auto r = static_cast<double>(run.duration_ns);
    base_ns += b;
    run_ns += r;
    bench.SetIterationTime(std::max(r - b, 0.0) / kOps * 1e-9);
  }
  const auto n = static_cast<double>(std::max<benchmark::IterationCount>(bench.iterations(), 1));
  bench.counters["run_ns"] = run_ns / n;
  bench.counters["baseline_ns"] = base_ns / n;
}
#endif

// ---------------------------------------------------------------------------------------

// The fastest repetition: on a shared machine, preemption only ever adds time, so the minimum
// is the steadiest figure for comparing code (reported next to the median).
double fastest(const std::vector<double>& values) {
  return values.empty() ? 0.0 : *std::min_element(values.begin(), values.end());
}

void register_all() {
  const std::pair<vm::Engine, const char*> engines[] = {{vm::Engine::interpreter, "interp"},
                                                        {vm::Engine::checked, "checked"},
                                                        {vm::Engine::jit, "jit"},
                                                        {vm::Engine::native, "native"}};
  for (const SharedProgram& shared : kShared) {
    const std::string prefix = std::string("shared/") + shared.name + "/";
    benchmark::RegisterBenchmark((prefix + "gcc").c_str(),
                                 [&shared](benchmark::State& bench) { shared_gcc(bench, shared); })
        ->ComputeStatistics("min", fastest)
        ->UseManualTime()
        ->Iterations(kSharedIterations)
        ->Unit(benchmark::kNanosecond);
    for (const auto& [engine, engine_name] : engines) {
      benchmark::RegisterBenchmark((prefix + engine_name).c_str(),
                                   [&shared, engine = engine](benchmark::State& bench) {
                                     shared_xbpf(bench, shared, engine);
                                   })
          ->ComputeStatistics("min", fastest)
          ->UseManualTime()
          ->Iterations(kSharedIterations)
          ->Unit(benchmark::kNanosecond);
    }
    benchmark::RegisterBenchmark((prefix + "kernel").c_str(),
                                 [&shared](benchmark::State& bench) {
#if XBPF_BENCH_KERNEL
                                   shared_kernel(bench, shared);
#else
                                   (void)shared;
                                   bench.SkipWithError("skipped: the kernel oracle is Linux only");
#endif
                                 })
        ->UseManualTime()
        ->Iterations(kSharedIterations)
        ->Unit(benchmark::kNanosecond);
  }
  for (const MapOp& op : kMapOps) {
    const std::string prefix = std::string("maps/") + op.name + "/";
    for (const auto& [engine, engine_name] : engines) {
      benchmark::RegisterBenchmark(
          (prefix + engine_name).c_str(),
          [&op, engine = engine](benchmark::State& bench) { map_op_xbpf(bench, op, engine); })
          ->UseManualTime()
          ->Iterations(kMapIterations)
          ->Unit(benchmark::kNanosecond);
    }
    benchmark::RegisterBenchmark((prefix + "kernel").c_str(),
                                 [&op](benchmark::State& bench) {
#if XBPF_BENCH_KERNEL
                                   map_op_kernel(bench, op);
#else
                                   (void)op;
                                   bench.SkipWithError("skipped: the kernel oracle is Linux only");
#endif
                                 })
        ->UseManualTime()
        ->Iterations(kMapIterations)
        ->Unit(benchmark::kNanosecond);
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
