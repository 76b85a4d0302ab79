// Differential fuzzing of the interpreter and the JIT: any bytes that decode and validate run
// first in the checked mode (bounded memory, bounded instructions); when that run completes,
// the fast mode and the JIT (constants blinded on odd inputs) run from the identical starting
// state (same buffers, same stack) and must return the same r0 and leave every byte of
// memory the same.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "isa/instruction.h"
#include "testing/conformance.h"
#include "vm/vm.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xbpf;
  // The first 32 bytes are the input memory, the rest the program.
  constexpr std::size_t kMemory = 32;
  if (size < kMemory + 8) return 0;
  Result<std::vector<isa::Instruction>> program =
      isa::decode_and_validate(std::span(data + kMemory, size - kMemory));
  if (!program.ok()) return 0;
  testing::ConformanceHost host;
  vm::Environment environment = host.environment();
  environment.jit_blind = (size & 1) != 0;
  Result<std::shared_ptr<const vm::Program>> prepared = vm::Program::create(*program, environment);
  if (!prepared.ok()) return 0;

  testing::DifferentialRun runs(host, std::span(data, kMemory));
  auto run_once = [&](vm::Engine engine) { return runs.run(**prepared, engine, true); };
  const testing::DifferentialRun::Outcome checked = run_once(vm::Engine::checked);
  if (!checked.r0.ok()) return 0;  // a fault or the limit: not safe to run unchecked
  const testing::DifferentialRun::Outcome fast = run_once(vm::Engine::interpreter);
  if (!fast.r0.ok() || *fast.r0 != *checked.r0) std::abort();
  if (fast.memory != checked.memory || fast.host != checked.host || fast.stack != checked.stack)
    std::abort();
  if ((*prepared)->jit() == nullptr) std::abort();
  const testing::DifferentialRun::Outcome jitted = run_once(vm::Engine::jit);
  if (!jitted.r0.ok() || *jitted.r0 != *checked.r0) std::abort();
  if (jitted.memory != checked.memory || jitted.host != checked.host ||
      jitted.stack != checked.stack)
    std::abort();
  return 0;
}
