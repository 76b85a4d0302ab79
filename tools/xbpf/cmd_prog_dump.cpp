// xbpf prog dump jited: the machine code the JIT made of a program, per eBPF instruction.
#include <cstdio>
#include <string>

#include "commands.h"
#include "isa/syntax.h"
#include "jit/x86_64/jit.h"
#include "object_loading.h"
#include "support/json.h"

namespace xbpf::cli {
namespace {

constexpr const char* kDumpHelp =
    R"help(Usage: xbpf prog dump jited FILE [name FN | section S] [--type TYPE]

Prints the x86-64 machine code the JIT generates for a program of an object, as hex bytes
grouped under the eBPF instruction each block came from (like "bpftool prog dump jited"
with its opcodes), offsets from the start of the code:

  ; insn 0: r0 = 2
        3c:  b8 02 00 00 00

<entry> is the stub that enters the code from C++ and <out-of-line> the error paths. JSON
with -j. Set XBPF_JIT_BLIND=1 to see the code with constant blinding. Fails when the JIT is
not available (XBPF_JIT=off).
)help";

constexpr std::size_t kBytesPerLine = 16;

std::string hex_line(std::span<const std::uint8_t> bytes) {
  std::string text;
  char buf[4];
  for (std::uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    if (!text.empty()) text += ' ';
    text += buf;
  }
  return text;
}

void print_block(std::span<const std::uint8_t> code, std::size_t begin, std::size_t end) {
  for (std::size_t at = begin; at < end; at += kBytesPerLine) {
    const std::size_t count = std::min(kBytesPerLine, end - at);
    std::printf("%8zx:  %s\n", at, hex_line(code.subspan(at, count)).c_str());
  }
}

}  // namespace

int command_prog_dump(Args& args) {
  std::optional<std::string> what = args.positional();
  if (args.wants_help() || !what) {
    std::fputs(kDumpHelp, what || args.wants_help() ? stdout : stderr);
    return what || args.wants_help() ? kExitOk : kExitBadInput;
  }
  if (*what != "jited") {
    return report(usage_error("xbpf can dump 'jited' code only, found '" + *what + "'"));
  }
  Result<ProgramSelection> selection = parse_program_selection(args);
  if (!selection) return report(selection.error());
  std::optional<std::string> file = args.positional();
  if (!file) return report(usage_error("prog dump jited needs an object FILE"));
  if (Status rest = args.finish(); !rest) return report(rest.error());
  // Nothing runs: the machine code of a program the verifier rejects is shown too.
  Result<LoadedFile> loaded = load_object_file(*file, *selection, without_verification());
  if (!loaded) return report_load_error(loaded.error());
  Result<const runtime::LoadedProgram*> program = select_program(*loaded->object, *selection);
  if (!program) return report_load_error(program.error());
  const vm::Program& code = *(*program)->code;
  const jit::x86_64::Image* image = code.jit();
  if (image == nullptr) {
    return report(make_error("the JIT is not available: " + code.jit_unavailable()), kExitFailed);
  }
  const std::span<const std::uint8_t> bytes = image->code();
  const std::span<const std::uint32_t> offsets = image->instruction_offsets();
  const std::span<const isa::Instruction> instructions = code.instructions();
  auto end_of = [&](std::size_t i) {
    return i + 1 < offsets.size() ? offsets[i + 1] : image->body_end();
  };
  if (args.options().json) {
    JsonWriter json(args.options().pretty);
    json.begin_object()
        .field("name", (*program)->name)
        .field("bytes_jited", static_cast<std::uint64_t>(bytes.size()));
    json.key("insns").begin_array();
    for (std::size_t i = 0; i < instructions.size(); ++i) {
      json.begin_object()
          .field("insn", static_cast<std::uint64_t>(instructions[i].slot))
          .field("text", isa::format(instructions[i], isa::Syntax::llvm))
          .field("offset", static_cast<std::uint64_t>(offsets[i]))
          .field("opcodes", hex_line(bytes.subspan(offsets[i], end_of(i) - offsets[i])))
          .end_object();
    }
    json.end_array().end_object();
    std::printf("%s\n", json.str().c_str());
    return kExitOk;
  }
  std::printf("%s (%zu bytes of x86-64 for %zu instructions):\n", (*program)->name.c_str(),
              bytes.size(), instructions.size());
  std::printf("<entry>:\n");
  print_block(bytes, 0, offsets.empty() ? image->body_end() : offsets[0]);
  for (std::size_t i = 0; i < instructions.size(); ++i) {
    std::printf("; insn %u: %s\n", instructions[i].slot,
                isa::format(instructions[i], isa::Syntax::llvm).c_str());
    print_block(bytes, offsets[i], end_of(i));
  }
  if (image->body_end() < bytes.size()) {
    std::printf("<out-of-line>:\n");
    print_block(bytes, image->body_end(), bytes.size());
  }
  return kExitOk;
}

}  // namespace xbpf::cli
