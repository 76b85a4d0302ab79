// Soundness fuzzing of the verifier: programs that are random instruction sequences or mutated
// real programs (every XDP, tc, socket filter and cgroup_skb program the build compiled, in
// tests/programs and tests/verifier/safe) go through the verifier (which must neither crash
// nor hang: its budget is cut to two seconds); every program it accepts is loaded with its
// object's maps and run once in the interpreter's checked mode, with a packet from the input.
// A checked-mode fault (an access outside its region, a helper refusing its arguments) in an
// accepted program is a soundness bug: the harness prints the program and aborts.
//
// Input: [mode] [seed] [packet length / 6] then, for mode & 1, mutations (4 bytes each:
// instruction index (2 bytes), what to change, value); otherwise the instructions themselves,
// which replace the seed program's code (the seed supplies the program type and the maps).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "isa/disassembler.h"
#include "isa/instruction.h"
#include "object/object.h"
#include "runtime/runtime.h"
#include "runtime/test_run.h"
#include "support/files.h"
#include "verifier/verifier.h"

namespace {

using namespace xbpf;

struct Seed {
  std::shared_ptr<const object::Object> object;
  std::size_t program = 0;  // index into object->programs
};

bool takes_packet(progtype::ProgramType type) {
  using progtype::ProgramType;
  return type == ProgramType::xdp || type == ProgramType::sched_cls ||
         type == ProgramType::socket_filter || type == ProgramType::cgroup_skb;
}

std::vector<Seed> load_seeds() {
  std::vector<Seed> seeds;
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"tests/programs", "tests/verifier/safe"}) {
    const std::filesystem::path path = std::filesystem::path(XBPF_BINARY_DIR) / dir;
    if (!std::filesystem::is_directory(path)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".o") continue;
      // One CPU version of tests/programs is enough (v3: 32-bit jumps and ALU).
      if (std::string(dir) == "tests/programs" && name.find(".v3.") == std::string::npos) continue;
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto bytes = read_file(file.string());
    if (!bytes) continue;
    auto object = object::read_object(std::move(*bytes), file.string());
    if (!object) continue;
    auto shared = std::make_shared<const object::Object>(std::move(*object));
    for (std::size_t i = 0; i < shared->programs.size(); ++i) {
      if (takes_packet(shared->programs[i].type)) seeds.push_back({shared, i});
    }
  }
  return seeds;
}

// Applies one mutation; false when it does not apply.
bool mutate(std::vector<isa::Instruction>& code, std::size_t index, std::uint8_t what,
            std::uint8_t value) {
  isa::Instruction& insn = code[index % code.size()];
  const auto delta = static_cast<std::int8_t>(value);
  switch (what % 8) {
    case 0: insn.dst = value % 11; break;
    case 1: insn.src = value % 11; break;
    case 2: insn.off = static_cast<std::int16_t>(insn.off + delta); break;
    case 3: insn.off = delta; break;
    case 4: insn.imm += delta; break;
    case 5: insn.imm = delta; break;
    case 6: insn.imm ^= static_cast<std::int32_t>(1u << (value % 32)); break;
    case 7: {
      // Another operation of the program, of the same width (the slots stay where they are).
      const isa::Instruction& other = code[value % code.size()];
      if (other.slots() != insn.slots()) return false;
      insn.op = other.op;
      break;
    }
  }
  return true;
}

// Inputs that became programs, programs the verifier accepted, and those that then ran: printed
// at exit, so a run shows how much of the checked-mode check it exercised.
struct Counts {
  std::uint64_t programs = 0, accepted = 0, ran = 0;
  ~Counts() {
    std::fprintf(stderr, "fuzz_verifier: %llu programs, %llu accepted, %llu ran checked\n",
                 static_cast<unsigned long long>(programs),
                 static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(ran));
  }
};
Counts counts;

[[noreturn]] void report_unsound(const object::Program& program, const std::string& why) {
  std::fprintf(stderr, "fuzz_verifier: the verifier accepted a program that faults: %s\n",
               why.c_str());
  std::fprintf(stderr, "%s\n",
               isa::disassemble(program.instructions, isa::ListingOptions{}).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<Seed> seeds = load_seeds();
  static runtime::Runtime runtime([] {
    runtime::RuntimeOptions options;
    options.jit = false;
    options.possible_cpus = 1;
    options.trace_output = "/dev/null";
    return options;
  }());
  if (size < 3 || seeds.empty()) return 0;
  const bool mutation = (data[0] & 1) != 0;
  const Seed& seed = seeds[data[1] % seeds.size()];
  const std::size_t packet_size = 14 + std::size_t{data[2]} * 6;
  const std::span<const std::uint8_t> rest(data + 3, size - 3);

  object::Object object = *seed.object;
  object::Program& program = object.programs[seed.program];
  std::vector<isa::Instruction> code = program.instructions;
  if (mutation) {
    if (code.empty()) return 0;
    for (std::size_t i = 0; i + 4 <= rest.size(); i += 4) {
      mutate(code, rest[i] | (std::size_t{rest[i + 1]} << 8), rest[i + 2], rest[i + 3]);
    }
    // Through the encoder and the validating decoder: fields out of range are refused there.
    auto decoded = isa::decode_and_validate(isa::encode(code));
    if (!decoded) return 0;
    code = std::move(*decoded);
  } else {
    auto decoded = isa::decode_and_validate(rest.subspan(0, rest.size() / 8 * 8));
    if (!decoded || decoded->empty()) return 0;
    code = std::move(*decoded);
    program.functions = {{0, program.name}};
    program.lines.clear();
  }
  program.instructions = std::move(code);

  verifier::Options options;
  options.max_seconds = 2;
  options.max_steps = 200'000;
  ++counts.programs;
  auto report = verifier::verify(object, program, options);
  if (!report || !report->passed()) return 0;
  ++counts.accepted;

  runtime::LoadOptions load;
  load.programs = {program.name};
  auto loaded = runtime.load(object, load);
  if (!loaded) return 0;  // e.g. a helper the runtime does not implement
  const runtime::LoadedProgram* prepared = (*loaded)->find_program(program.name);
  if (prepared == nullptr) return 0;

  runtime::TestRunOptions run;
  run.engine = vm::Engine::checked;
  run.instruction_limit = 1'000'000;
  run.data_in.resize(packet_size);
  for (std::size_t i = 0; i < packet_size; ++i) {
    run.data_in[i] = rest.empty() ? 0 : rest[i % rest.size()];
  }
  ++counts.ran;
  auto result = runtime::test_run(*prepared, run);
  if (!result) {
    const std::string message = result.error().to_string();
    if (message.find("instruction limit") != std::string::npos) return 0;
    report_unsound(program, message);
  }
  return 0;
}
