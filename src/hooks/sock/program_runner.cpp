#include "hooks/sock/program_runner.h"

#include <algorithm>
#include <atomic>

#include "runtime/run_context.h"
#include "runtime/test_run.h"
#include "support/linux_abi.h"

namespace xbpf::hooks::sock {

// One CPU number, with the run state of the program running as it.
struct ProgramRunner::Cpu {
  std::mutex lock;
  unsigned number = 0;
  vm::RunState state;
  runtime::RunContext run;
};

bool reads_socket(const ProgramList& programs) {
  constexpr std::uint32_t kSkOffset = offsetof(BpfSockAddr, sk);
  for (const AttachedProgram& attached : programs) {
    const auto& fields = attached.program->context_fields_read;
    if (!fields || fields->count(kSkOffset) != 0) return true;
  }
  return false;
}

ProgramRunner::ProgramRunner(unsigned cpus) {
  for (unsigned i = 0; i < std::max(cpus, 1U); ++i) {
    cpus_.push_back(std::make_unique<Cpu>());
    cpus_.back()->number = i;
    cpus_.back()->state.user = &cpus_.back()->run;
    cpus_.back()->state.cpu = i;
  }
}

ProgramRunner::~ProgramRunner() = default;

// A free CPU among the first `limit`, starting from a different one on each thread; when all
// are busy, wait for this thread's own.
ProgramRunner::Cpu& ProgramRunner::acquire(unsigned limit) {
  static std::atomic<unsigned> next{0};
  thread_local const unsigned start = next.fetch_add(1, std::memory_order_relaxed);
  limit = std::clamp<unsigned>(limit, 1, static_cast<unsigned>(cpus_.size()));
  for (unsigned i = 0; i < limit; ++i) {
    Cpu& cpu = *cpus_[(start + i) % limit];
    if (cpu.lock.try_lock()) return cpu;
  }
  Cpu& cpu = *cpus_[start % limit];
  cpu.lock.lock();
  return cpu;
}

Verdict ProgramRunner::run(const ProgramList& programs, BpfSockAddr& context, BpfSock* sock,
                           runtime::CurrentTask* task, runtime::ProgramSocket* socket) {
  Verdict verdict;
  if (programs.empty()) return verdict;
  context.sk = reinterpret_cast<std::uint64_t>(sock);
  unsigned limit = ~0U;
  for (const AttachedProgram& attached : programs)
    limit = std::min(limit, attached.program->owner->runtime().possible_cpus());
  Cpu& cpu = acquire(limit);
  std::lock_guard<std::mutex> held(cpu.lock, std::adopt_lock);
  runtime::CgroupRetval retval;
  const std::uint64_t args[1] = {reinterpret_cast<std::uint64_t>(&context)};
  for (const AttachedProgram& attached : programs) {
    const runtime::LoadedProgram& program = *attached.program;
    runtime::RunContext& run = cpu.run;
    run = {};
    run.runtime = &program.owner->runtime();
    run.program = &program;
    run.context = &context;
    run.task = task;
    run.socket = socket;
    run.retval = &retval;
    // The checked mode needs the regions a program may touch; the others check nothing.
    std::optional<vm::RunState> checked;
    vm::RunState* state = &cpu.state;
    if (attached.engine == vm::Engine::checked) {
      checked.emplace();
      checked->user = &run;
      checked->cpu = cpu.number;
      runtime::add_map_regions(program, *checked);
      checked->add_region({args[0], sizeof context, true, "the bpf_sock_addr context"});
      if (sock != nullptr)
        checked->add_region(
            {reinterpret_cast<std::uint64_t>(sock), sizeof *sock, false, "the bpf_sock"});
      state = &*checked;
    }
    const std::uint64_t r0 = vm::run_raw(*program.code, args, *state, attached.engine);
    std::uint64_t result = r0;
    if (state->failed()) {
      Error error = state->take_failure();
      error.where.section = program.section;
      error.message = program.name + ": " + error.message;
      if (!verdict.fault) verdict.fault = std::move(error);
      result = 0;  // a fault refuses, as a program returning 0 does
    }
    // bpf_prog_run_array_cg: bit 1 and up are flags (bind hooks), bit 0 allows; a refusal sets
    // -EPERM unless a program already set an errno with bpf_set_retval (IS_ERR_VALUE).
    verdict.flags |= static_cast<std::uint32_t>(result >> 1);
    const bool errno_set = retval.value < 0 && retval.value >= -4095;
    if ((result & 1) == 0 && !errno_set)
      retval.value = static_cast<std::int32_t>(-linux_abi::kEPERM);
  }
  verdict.retval = retval.value;
  return verdict;
}

}  // namespace xbpf::hooks::sock
