// xbpf disasm FILE [section S] [--syntax llvm|conformance] [--no-addresses]
#include <cstdio>

#include "commands.h"
#include "isa/disassembler.h"
#include "program_file.h"
#include "support/json.h"
#include "support/text.h"

namespace xbpf::cli {
namespace {

constexpr const char* kHelp =
    R"help(Usage: xbpf disasm FILE [section S] [--syntax llvm|conformance] [--no-addresses]

Disassembles an ELF object (every executable section, as llvm-objdump -d prints it), raw
bytecode, or assembly source.

  section S       only the section named S
  -S, --source    interleave the C source lines the object's BTF line info records, as
                  llvm-objdump -S does
  --syntax S      llvm (the default) or conformance
  --no-addresses  print source that "xbpf asm" reads back instead of an objdump listing
  -j, -p          JSON: sections, each with its instructions (slot, bytes, text)
)help";

}  // namespace

int command_disasm(Args& args) {
  if (args.wants_help()) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  Result<std::optional<std::string>> section = args.value("section");
  if (!section) return report(section.error());
  Result<std::optional<std::string>> syntax_name = args.value("syntax");
  if (!syntax_name) return report(syntax_name.error());
  const bool no_addresses = args.flag("--no-addresses");
  const bool source = args.flag("-S") || args.flag("--source");
  std::optional<std::string> input = args.positional();
  if (!input) return report(usage_error("disasm needs an input FILE"));
  if (Status rest = args.finish(); !rest) return report(rest.error());

  isa::ListingOptions options;
  options.addresses = !no_addresses;
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
  Result<ProgramFile> file = read_program_file(*input);
  if (!file) return report(file.error());

  bool found = false;
  JsonWriter json(args.options().pretty);
  json.begin_array();
  std::string text;
  if (file->kind == FileKind::elf && !args.options().json && options.addresses) {
    text += "\n" + *input + ":\tfile format elf64-bpf\n";
  }
  for (const CodeSection& code : file->sections) {
    if (*section && code.name != **section) continue;
    found = true;
    if (args.options().json) {
      json.begin_object().field("section", code.name).key("instructions").begin_array();
      std::vector<std::uint8_t> bytes;
      for (const isa::Instruction& insn : code.instructions) {
        bytes.clear();
        isa::encode(insn, bytes);
        json.begin_object().field("slot", static_cast<std::uint64_t>(insn.slot));
        json.field("bytes", hex_bytes(bytes))
            .field("text", isa::format(insn, options.syntax))
            .end_object();
      }
      json.end_array().end_object();
      continue;
    }
    options.section_name = code.name;
    options.symbols = code.symbols;
    options.call_names = code.call_names;
    if (source) options.source = code.source;
    if (file->kind == FileKind::elf && options.addresses) {
      text += "\nDisassembly of section " + code.name + ":\n\n";
    }
    text += isa::disassemble(code.instructions, options);
  }
  json.end_array();
  if (*section && !found) {
    return report(make_error("no executable section '" + **section + "' in " + *input));
  }
  if (source && !file->source_problem.empty()) {
    std::fprintf(stderr, "xbpf: warning: no source lines: %s\n", file->source_problem.c_str());
  }
  if (args.options().json) {
    std::printf("%s\n", json.str().c_str());
  } else {
    std::fputs(text.c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace xbpf::cli
