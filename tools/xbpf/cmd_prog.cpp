// xbpf prog run FILE [data_in F] [data_out F] [repeat N] [engine E]
#include <cstdio>
#include <memory>

#include "commands.h"
#include "platform/platform.h"
#include "program_file.h"
#include "support/files.h"
#include "support/json.h"
#include "support/text.h"
#include "vm/vm.h"

namespace xbpf::cli {
namespace {

constexpr const char* kHelp =
    R"help(Usage: xbpf prog run FILE [data_in FILE] [data_out FILE] [repeat N] [engine ENGINE]

Runs a program once (or N times) and prints its return value and the average duration, as
"bpftool prog run" does:  Return value: R, duration (average): Dns

FILE is assembly source or raw bytecode. The program gets r1 = the address of a copy of the
data_in bytes (or 0 without data_in) and r2 = their length, as in the ISA conformance suite;
r10 is the top of a 512-byte stack.

  data_in FILE    input bytes
  data_out FILE   write the bytes as the program left them
  repeat N        run N times (default 1); the duration is the average
  engine ENGINE   interp-checked (the default: every memory access checked, since raw
                  programs are not verified) or interp (no checks; for trusted programs)
  -j, -p          print {"retval":R,"duration":D} as JSON
)help";

std::uint64_t return_first(std::uint64_t r1, std::uint64_t, std::uint64_t, std::uint64_t,
                           std::uint64_t, vm::RunState&) {
  return r1;
}

int command_prog_run(Args& args) {
  if (args.wants_help()) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  Result<std::optional<std::string>> data_in = args.value("data_in");
  if (!data_in) return report(data_in.error());
  Result<std::optional<std::string>> data_out = args.value("data_out");
  if (!data_out) return report(data_out.error());
  Result<std::optional<std::string>> repeat_text = args.value("repeat");
  if (!repeat_text) return report(repeat_text.error());
  Result<std::optional<std::string>> engine_text = args.value("engine");
  if (!engine_text) return report(engine_text.error());
  std::optional<std::string> input = args.positional();
  if (!input) return report(usage_error("prog run needs a program FILE"));
  if (Status rest = args.finish(); !rest) return report(rest.error());

  std::uint64_t repeat = 1;
  if (*repeat_text) {
    std::optional<ParsedNumber> value = parse_number(**repeat_text);
    if (!value || value->negative || value->magnitude == 0 || value->magnitude > 1'000'000'000) {
      return report(usage_error("repeat must be a number from 1 to 1000000000, found '" +
                                **repeat_text + "'"));
    }
    repeat = value->magnitude;
  }
  vm::Engine engine = vm::Engine::checked;
  if (*engine_text) {
    std::optional<vm::Engine> parsed = vm::parse_engine(**engine_text);
    if (!parsed) {
      return report(usage_error("unknown engine '" + **engine_text +
                                "' (expected interp or interp-checked)"));
    }
    engine = *parsed;
  }

  Result<ProgramFile> file = read_program_file(*input);
  if (!file) return report(file.error());
  if (file->kind == FileKind::elf) {
    return report(
        make_error(*input +
                   ": running ELF objects needs the object loader, which is not built yet; "
                   "give assembly source or raw bytecode"));
  }
  if (engine == vm::Engine::interpreter) {
    std::fprintf(stderr, "xbpf: warning: running an unverified program without run-time checks\n");
  }
  std::vector<std::uint8_t> data;
  if (*data_in) {
    Result<std::vector<std::uint8_t>> bytes = read_file(**data_in);
    if (!bytes) return report(bytes.error());
    data = std::move(*bytes);
  }

  vm::Environment environment;
  environment.set_helper(5, return_first);  // as in the conformance suite
  Result<std::shared_ptr<const vm::Program>> program =
      vm::Program::create(file->sections.front().instructions, environment);
  if (!program) {
    Error error = std::move(program).error();
    error.where.file = *input;
    return report(error);
  }
  vm::RunState state;
  const auto address = data.empty() ? 0 : reinterpret_cast<std::uint64_t>(data.data());
  if (!data.empty()) state.add_region({address, data.size(), true, "data_in"});
  state.set_packet(data);
  const std::uint64_t run_args[2] = {address, data.size()};

  Result<std::uint64_t> r0 = std::uint64_t{0};
  const std::uint64_t start = platform::monotonic_ns();
  for (std::uint64_t i = 0; i < repeat && r0; ++i) {
    r0 = vm::run(**program, run_args, state, engine);
  }
  const std::uint64_t elapsed = platform::monotonic_ns() - start;
  if (!r0) {
    Error error = std::move(r0).error();
    error.where.file = *input;
    return report(error, kExitFailed);
  }
  if (*data_out) {
    if (Status written = write_file(**data_out, data); !written) return report(written.error());
  }
  const std::uint64_t average = elapsed / repeat;
  if (args.options().json) {
    JsonWriter json(args.options().pretty);
    json.begin_object().field("retval", *r0).field("duration", average).end_object();
    std::printf("%s\n", json.str().c_str());
  } else {
    std::printf("Return value: %llu, duration%s: %lluns\n", static_cast<unsigned long long>(*r0),
                repeat > 1 ? " (average)" : "", static_cast<unsigned long long>(average));
  }
  return kExitOk;
}

}  // namespace

int command_prog(Args& args) {
  std::optional<std::string> verb = args.positional();
  if (!verb || *verb == "help" || *verb == "--help" || *verb == "-h") {
    std::fputs(
        "Usage: xbpf prog run FILE [data_in FILE] [data_out FILE] [repeat N] [engine ENGINE]\n"
        "       xbpf prog run --help\n",
        stdout);
    return verb ? kExitOk : kExitBadInput;
  }
  if (*verb == "run") return command_prog_run(args);
  return report(usage_error("unknown prog command '" + *verb + "' (expected run)"));
}

}  // namespace xbpf::cli
