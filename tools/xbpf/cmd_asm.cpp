// xbpf asm FILE [-o OUT] [--syntax llvm|conformance]
#include <cstdio>

#include "commands.h"
#include "isa/assembler.h"
#include "support/files.h"
#include "support/json.h"
#include "support/text.h"

namespace xbpf::cli {
namespace {

constexpr const char* kHelp = R"help(Usage: xbpf asm FILE [-o OUT] [--syntax llvm|conformance]

Assembles eBPF assembly into bytecode. Both syntaxes are read (the syntax is detected unless
--syntax names it): LLVM's ("r0 = *(u32 *)(r1 + 4)", "w0 += 1", "if r1 s> 5 goto +3",
"lock *(u64 *)(r10 - 8) += r1") and the bpf_conformance suite's ("ldxw %r0, [%r1+4]",
"add32 %r0, 1"). Labels are "name:"; comments start with '#', ';' or '//'.

  -o, --output OUT  write the bytecode (8 bytes per slot, little-endian) to OUT; without it,
                    print one 64-bit word per slot in hex
  --syntax S     llvm or conformance
  -j, -p         print {"instructions":N,"bytes":"..."} as JSON
)help";

}  // namespace

int command_asm(Args& args) {
  if (args.wants_help()) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  Result<std::optional<std::string>> output = args.value("output", "-o");
  if (!output) return report(output.error());
  Result<std::optional<std::string>> syntax_name = args.value("syntax");
  if (!syntax_name) return report(syntax_name.error());
  std::optional<std::string> input = args.positional();
  if (!input) return report(usage_error("asm needs an input FILE"));
  if (Status rest = args.finish(); !rest) return report(rest.error());

  isa::AssembleOptions options;
  options.file_name = *input;
  if (*syntax_name) {
    if (**syntax_name == "llvm") {
      options.syntax = isa::Syntax::llvm;
    } else if (**syntax_name == "conformance") {
      options.syntax = isa::Syntax::conformance;
    } else {
      return report(
          usage_error("unknown syntax '" + **syntax_name + "' (expected llvm or conformance)"));
    }
  }
  Result<std::string> source = read_text_file(*input);
  if (!source) return report(source.error());
  Result<std::vector<isa::Instruction>> program = isa::assemble(*source, options);
  if (!program) return report(program.error());
  const std::vector<std::uint8_t> bytes = isa::encode(*program);
  if (*output) {
    if (Status written = write_file(**output, bytes); !written) return report(written.error());
  }
  if (args.options().json) {
    JsonWriter json(args.options().pretty);
    json.begin_object().field("instructions", static_cast<std::uint64_t>(program->size()));
    json.field("slots", static_cast<std::uint64_t>(bytes.size() / isa::kSlotSize));
    json.field("bytes", hex_bytes(bytes, "")).end_object();
    std::printf("%s\n", json.str().c_str());
  } else if (!*output) {
    for (std::size_t slot = 0; slot < bytes.size() / isa::kSlotSize; ++slot) {
      std::uint64_t word = 0;
      for (int b = 7; b >= 0; --b)
        word = (word << 8) | bytes[slot * isa::kSlotSize + static_cast<std::size_t>(b)];
      std::printf("0x%016llx\n", static_cast<unsigned long long>(word));
    }
  }
  return kExitOk;
}

}  // namespace xbpf::cli
