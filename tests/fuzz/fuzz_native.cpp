// Differential fuzzing of native images against the interpreter and the JIT. Any bytes that
// decode and validate run first in the checked mode (bounded memory, bounded instructions);
// when that run completes, the fast interpreter, the JIT and the program translated to C and
// compiled by the system C compiler run from the identical starting state and must return the
// same r0 and leave the input memory and the host's maps the same. The seeds are real
// programs (the interpreter fuzzer's corpus), which libFuzzer mutates.
//
// Native code keeps each eBPF frame in a C array of its own, so programs that use r10 other
// than as the base of a memory access inside their own frame (r0 = r10, reading a caller's
// frame at r10 + 8: allowed by the checked mode, which sees one stack), and programs with
// local calls, are compared on the interpreters and the JIT only (the conformance suite
// covers local calls in native code). The native stack starts zeroed (ImageSource::zero_stack), as
// the harness zeroes the interpreter's. Compiling takes tens of milliseconds: expect tens of
// runs per second.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

#include "aot/image.h"
#include "isa/instruction.h"
#include "testing/conformance.h"
#include "vm/vm.h"

namespace {

using namespace xbpf;

// True when every use of r10 is the base of a memory access within the frame, and the
// program has one function (a callee's frame in the interpreter holds what an earlier callee
// left there; native frames start zeroed).
bool frame_local(std::span<const isa::Instruction> program) {
  for (const isa::Instruction& insn : program) {
    const isa::OpInfo& row = insn.info();
    if (row.form == isa::Form::call_local || row.form == isa::Form::callx ||
        row.sem == isa::Sem::code_addr) {
      return false;
    }
    const int bytes = row.width / 8;
    const bool in_frame = insn.off >= -static_cast<int>(vm::kStackSize) && insn.off + bytes <= 0;
    switch (row.form) {
      case isa::Form::ldx:
        if (insn.src == isa::kFramePointer && !in_frame) return false;
        break;
      case isa::Form::st:
        if (insn.dst == isa::kFramePointer && !in_frame) return false;
        break;
      case isa::Form::stx:
      case isa::Form::atomic:
        if (insn.src == isa::kFramePointer) return false;
        if (insn.dst == isa::kFramePointer && !in_frame) return false;
        break;
      case isa::Form::alu_reg:
      case isa::Form::alu_movsx:
      case isa::Form::cond_reg:
      case isa::Form::ld_ind:
        if (insn.src == isa::kFramePointer || insn.dst == isa::kFramePointer) return false;
        break;
      default:
        if (insn.dst == isa::kFramePointer && row.form == isa::Form::cond_imm) return false;
        break;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first 32 bytes are the input memory, the rest the program.
  constexpr std::size_t kMemory = 32;
  if (size < kMemory + 8) return 0;
  Result<std::vector<isa::Instruction>> program =
      isa::decode_and_validate(std::span(data + kMemory, size - kMemory));
  if (!program.ok()) return 0;
  static const bool have_compiler = aot::find_c_compiler().has_value();
  testing::ConformanceHost host;
  vm::Environment environment = host.environment();
  std::shared_ptr<const aot::Image> image;
  const bool native = have_compiler && frame_local(*program);
  if (native) {
    aot::ImageSource source;
    source.zero_stack = true;
    source.programs.push_back({"main", "", 0, *program});
    Result<std::shared_ptr<const aot::Image>> built = aot::build_temporary(source);
    if (!built.ok()) std::abort();  // every valid program must translate and compile
    image = std::move(*built);
    environment.native = image->function(image->programs().front());
  }
  Result<std::shared_ptr<const vm::Program>> prepared = vm::Program::create(*program, environment);
  if (!prepared.ok()) return 0;

  testing::DifferentialRun runs(host, std::span(data, kMemory));
  // Native code keeps its frames in C arrays: the stacks are not compared.
  auto run_once = [&](vm::Engine engine) { return runs.run(**prepared, engine, false); };
  const testing::DifferentialRun::Outcome checked = run_once(vm::Engine::checked);
  if (!checked.r0.ok()) return 0;  // a fault or the limit: not safe to run unchecked
  for (const vm::Engine engine : {vm::Engine::interpreter, vm::Engine::jit, vm::Engine::native}) {
    if (engine == vm::Engine::native && !native) continue;
    const testing::DifferentialRun::Outcome other = run_once(engine);
    if (!other.r0.ok() || *other.r0 != *checked.r0) std::abort();
    if (other.memory != checked.memory || other.host != checked.host) std::abort();
  }
  return 0;
}
